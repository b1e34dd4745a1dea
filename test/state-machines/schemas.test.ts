import { InvalidInputError } from '../../framework/errors';
import { sampleCost } from '../helpers/cost';
import {
  approvalLambdaPayloadSchema,
  approvalResultSchema,
  DecisionOutcome,
  executionInputSchema,
  normalizeDecision,
  parseApprovalResults,
  parseExecutionInput,
  parseTurnOutput,
  RunStatus,
  turnOutputSchema,
  type ApprovalRequest,
} from '../../state-machines';

const approval: ApprovalRequest = {
  approvalId: 'ap-1',
  callId: 'call-1',
  tool: 'send_email',
  args: { to: 'a@example.com' },
  reasoning: 'The user asked for it',
  timeoutSeconds: 3_600,
};

const usage = { inputTokens: 10, outputTokens: 5 };
const cost = sampleCost(usage);

describe('executionInputSchema', () => {
  it('accepts a task with a session and options, trimming the task', () => {
    // Act
    const input = parseExecutionInput({ task: '  Summarize Q3  ', sessionId: 'user-7:chat.1', options: { model: 'gpt-4o-mini', maxIterations: 20 } });

    // Assess
    expect(input).toEqual({ task: 'Summarize Q3', sessionId: 'user-7:chat.1', options: { model: 'gpt-4o-mini', maxIterations: 20 } });
  });

  it.each([
    ['task', { task: '   ' }],
    ['task', { task: 'x'.repeat(20_001) }],
    ['task', {}],
    ['sessionId', { task: 'x', sessionId: 'has space' }],
    ['sessionId', { task: 'x', sessionId: 'x'.repeat(129) }],
    ['options.maxIterations', { task: 'x', options: { maxIterations: 0 } }],
    ['options.maxIterations', { task: 'x', options: { maxIterations: 1_001 } }],
    ['options.maxIterations', { task: 'x', options: { maxIterations: 2.5 } }],
  ])('rejects a bad %s with an InvalidInputError naming it', (field, value) => {
    // Act
    const parse = () => parseExecutionInput(value);

    // Assess
    expect(parse).toThrow(InvalidInputError);
    try {
      parse();
    } catch (error) {
      expect((error as InvalidInputError).field).toBe(field);
    }
  });

  it('rejects unknown keys and names them', () => {
    // Act
    const result = executionInputSchema.safeParse({ task: 'x', prompt: 'y', options: { temperature: 1 } });

    // Assess
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => issue.message).join(' ');
    expect(messages).toContain('prompt');
    expect(messages).toContain('temperature');
  });
});

describe('turnOutputSchema', () => {
  it('accepts a completed, a failed and an awaiting turn', () => {
    // Act
    const turns = [
      { status: RunStatus.Completed, answer: '42', resultRef: 's3://bucket/result.json', usage, costUsd: 0.01, cost, iterations: 3 },
      { status: RunStatus.Failed, error: { name: 'Stepwise.ModelError', message: 'model down' }, usage, costUsd: 0, cost, iterations: 1 },
      { status: RunStatus.AwaitingApproval, approvals: [approval], usage, costUsd: 0, cost, iterations: 1 },
    ].map((turn) => parseTurnOutput(turn));

    // Assess
    expect(turns.map((turn) => turn.status)).toEqual([RunStatus.Completed, RunStatus.Failed, RunStatus.AwaitingApproval]);
  });

  it.each([
    ['answer', { status: RunStatus.Completed, usage, costUsd: 0, cost, iterations: 1 }],
    ['error', { status: RunStatus.Failed, usage, costUsd: 0, cost, iterations: 1 }],
    ['approvals', { status: RunStatus.AwaitingApproval, approvals: [], usage, costUsd: 0, cost, iterations: 1 }],
    ['status', { status: 'DONE', answer: 'x', usage, costUsd: 0, cost, iterations: 1 }],
    ['usage', { status: RunStatus.Completed, answer: 'x', costUsd: 0, cost, iterations: 1 }],
    ['cost', { status: RunStatus.Completed, answer: 'x', usage, costUsd: 0, iterations: 1 }],
    ['approvals.0.timeoutSeconds', { status: RunStatus.AwaitingApproval, approvals: [{ ...approval, timeoutSeconds: 0 }], usage, costUsd: 0, cost, iterations: 1 }],
  ])('rejects a turn whose %s does not fit its status', (field, value) => {
    // Act
    const result = turnOutputSchema.safeParse(value);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });
});

describe('approvalResultSchema', () => {
  it('accepts a response or an error, and nothing else', () => {
    // Assess
    expect(approvalResultSchema.safeParse({ approval, response: { approved: true } }).success).toBe(true);
    expect(approvalResultSchema.safeParse({ approval, response: null }).success).toBe(true);
    expect(approvalResultSchema.safeParse({ approval, error: { Error: 'States.Timeout', Cause: 'States.Timeout' } }).success).toBe(true);
    expect(approvalResultSchema.safeParse({ approval }).success).toBe(false);
  });

  it('names the element and field of a bad decision in STEPWISE_DECISIONS', () => {
    // Act
    const parse = () => parseApprovalResults([{ approval, response: {} }, { approval: { ...approval, callId: '' }, response: {} }]);

    // Assess
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow('1.approval.callId');
  });
});

describe('approvalLambdaPayloadSchema', () => {
  it('describes what the approval Lambda receives', () => {
    // Act
    const result = approvalLambdaPayloadSchema.safeParse({ taskToken: 't', executionArn: 'arn:x', agent: 'research', approval });

    // Assess
    expect(result.success).toBe(true);
  });
});

describe('normalizeDecision', () => {
  it('treats a States.Timeout error as a timeout', () => {
    // Act
    const decision = normalizeDecision({ approval, error: { Error: 'States.Timeout', Cause: 'States.Timeout' } });

    // Assess
    expect(decision).toEqual({ approvalId: 'ap-1', callId: 'call-1', outcome: DecisionOutcome.Timeout });
  });

  it('treats any other error as a rejection with its cause as reason', () => {
    // Act
    const decision = normalizeDecision({ approval, error: { Error: 'Stepwise.ApprovalRejected', Cause: 'too risky' } });

    // Assess
    expect(decision).toEqual({ approvalId: 'ap-1', callId: 'call-1', outcome: DecisionOutcome.Rejected, reason: 'too risky' });
  });

  it('falls back to the error name when a failure has no cause', () => {
    // Act
    const decision = normalizeDecision({ approval, error: { Error: 'Rejected' } });

    // Assess
    expect(decision.reason).toBe('Rejected');
  });

  it('approves with edited arguments and a reason', () => {
    // Act
    const decision = normalizeDecision({ approval, response: { approved: true, args: { to: 'b@example.com' }, reason: 'fixed address' } });

    // Assess
    expect(decision).toEqual({ approvalId: 'ap-1', callId: 'call-1', outcome: DecisionOutcome.Approved, args: { to: 'b@example.com' }, reason: 'fixed address' });
  });

  it.each([
    ['approved: false', { approved: false, reason: 'no' }, 'no'],
    ['approved: "true" (a string)', { approved: 'true' }, undefined],
    ['no object at all', 'yes', undefined],
  ])('rejects a response with %s', (_label, response, reason) => {
    // Act
    const decision = normalizeDecision({ approval, response });

    // Assess
    expect(decision.outcome).toBe(DecisionOutcome.Rejected);
    expect(decision.reason).toBe(reason);
  });
});
