import { InvalidInputError } from '../../framework/errors';
import { sampleCost } from '../helpers/cost';
import { MemoryPayloadStore } from '../../framework/stores';
import {
  approvalLambdaPayloadSchema,
  approvalRequestSchema,
  createDecisionRecorder,
  DecisionOutcome,
  decisionOf,
  encodeApprovalAnswer,
  executionInputSchema,
  parseExecutionInput,
  parseTurnOutput,
  RunStatus,
  turnOutputSchema,
  type ApprovalAnswer,
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

  it('takes a task of any length: the limit is what StartExecution accepts (262,144 bytes)', () => {
    expect(parseExecutionInput({ task: 'x'.repeat(250_000) }).task).toHaveLength(250_000);
  });

  it.each([
    ['task', { task: '   ' }],
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
      { status: RunStatus.Completed, answer: '42', resultRef: 'stepwise-payload:results/run-1', usage, costUsd: 0.01, cost, iterations: 3 },
      { status: RunStatus.Completed, answer: '42', resultRef: null, usage, costUsd: 0.01, cost, iterations: 3 },
      { status: RunStatus.AwaitingApproval, approvals: [{ ...approval, args: undefined, argsRef: 'stepwise-payload:approvals/ap-1/args', argsPreview: '{"to":' }], usage, costUsd: 0, cost, iterations: 1 },
      { status: RunStatus.Failed, error: { name: 'Stepwise.ModelError', message: 'model down' }, usage, costUsd: 0, cost, iterations: 1 },
      { status: RunStatus.AwaitingApproval, approvals: [approval], usage, costUsd: 0, cost, iterations: 1 },
    ].map((turn) => parseTurnOutput(turn));

    // Assess
    expect(turns.map((turn) => turn.status)).toEqual([RunStatus.Completed, RunStatus.Completed, RunStatus.AwaitingApproval, RunStatus.Failed, RunStatus.AwaitingApproval]);
  });

  it.each([
    ['answer', { status: RunStatus.Completed, resultRef: null, usage, costUsd: 0, cost, iterations: 1 }],
    ['resultRef', { status: RunStatus.Completed, answer: 'x', usage, costUsd: 0, cost, iterations: 1 }],
    ['resultRef', { status: RunStatus.Completed, answer: 'x', resultRef: 's3://bucket/key', usage, costUsd: 0, cost, iterations: 1 }],
    ['approvals.0.args', { status: RunStatus.AwaitingApproval, approvals: [{ ...approval, argsRef: 'stepwise-payload:approvals/ap-1/args' }], usage, costUsd: 0, cost, iterations: 1 }],
    ['approvals.0.approvalId', { status: RunStatus.AwaitingApproval, approvals: [{ ...approval, approvalId: '../x' }], usage, costUsd: 0, cost, iterations: 1 }],
    ['error', { status: RunStatus.Failed, usage, costUsd: 0, cost, iterations: 1 }],
    ['approvals', { status: RunStatus.AwaitingApproval, approvals: [], usage, costUsd: 0, cost, iterations: 1 }],
    ['status', { status: 'DONE', answer: 'x', usage, costUsd: 0, cost, iterations: 1 }],
    ['usage', { status: RunStatus.Completed, answer: 'x', resultRef: null, costUsd: 0, cost, iterations: 1 }],
    ['approvals.0.timeoutSeconds', { status: RunStatus.AwaitingApproval, approvals: [{ ...approval, timeoutSeconds: 0 }], usage, costUsd: 0, cost, iterations: 1 }],
    ['cost', { status: RunStatus.Completed, answer: 'x', resultRef: null, usage, costUsd: 0, iterations: 1 }],
  ])('rejects a turn whose %s does not fit its status', (field, value) => {
    // Act
    const result = turnOutputSchema.safeParse(value);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
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

describe('decisionOf (what RecordDecision stores)', () => {
  const at = '2025-01-01T00:00:00.000Z';
  const decide = (answer: ApprovalAnswer) => decisionOf(approval, answer, at);

  it('treats a States.Timeout error as a timeout', () => {
    expect(decide({ Error: 'States.Timeout', Cause: 'States.Timeout' })).toEqual({ approvalId: 'ap-1', callId: 'call-1', outcome: DecisionOutcome.Timeout, decidedAt: at });
  });

  it('treats any other error as a rejection with its cause as reason, or the error name without one', () => {
    expect(decide({ Error: 'Stepwise.ApprovalRejected', Cause: 'too risky' })).toMatchObject({ outcome: DecisionOutcome.Rejected, reason: 'too risky' });
    expect(decide({ Error: 'Rejected' })).toMatchObject({ outcome: DecisionOutcome.Rejected, reason: 'Rejected' });
  });

  it('keeps the reference of a rejection whose reason was too long for the cause', () => {
    const cause = JSON.stringify({ reasonRef: 'stepwise-payload:uploads/u-1', reasonPreview: 'Because…' });
    expect(decide({ Error: 'Stepwise.ApprovalRejected', Cause: cause })).toMatchObject({ outcome: DecisionOutcome.Rejected, reasonRef: 'stepwise-payload:uploads/u-1' });
    expect(decide({ Error: 'Stepwise.ApprovalRejected', Cause: '{ not json, just braces }' })).toMatchObject({ reason: '{ not json, just braces }' });
  });

  it('approves with edited arguments and a reason, inline or by reference', () => {
    expect(decide({ response: { approved: true, args: { to: 'b@example.com' }, reason: 'fixed address' } })).toEqual({
      approvalId: 'ap-1',
      callId: 'call-1',
      outcome: DecisionOutcome.Approved,
      args: { to: 'b@example.com' },
      reason: 'fixed address',
      decidedAt: at,
    });
    expect(decide({ response: { approved: true, argsRef: 'stepwise-payload:uploads/a', reasonRef: 'stepwise-payload:uploads/r' } })).toMatchObject({
      outcome: DecisionOutcome.Approved,
      argsRef: 'stepwise-payload:uploads/a',
      reasonRef: 'stepwise-payload:uploads/r',
    });
  });

  it.each([
    ['edited arguments that are not an object', { approved: true, args: 'to: b@example.com' }, 'are not a JSON object'],
    ['edited arguments behind a reference that is not one', { approved: true, argsRef: 's3://bucket/args.json' }, 'not a "stepwise-payload:" reference'],
  ])('does not run the call as the model asked when the approver sent %s', (_label, response, problem) => {
    expect(decide({ response })).toMatchObject({ outcome: DecisionOutcome.Rejected, reason: expect.stringContaining(problem) });
  });

  it.each([
    ['approved: false', { approved: false, reason: 'no' }, 'no'],
    ['approved: "true" (a string)', { approved: 'true' }, undefined],
    ['no object at all', 'yes', undefined],
  ])('rejects a response with %s', (_label, response, reason) => {
    const decision = decide({ response });
    expect(decision.outcome).toBe(DecisionOutcome.Rejected);
    expect(decision.reason).toBe(reason);
  });

  it('is stored by the decision recorder under the approval id, which returns only a small marker', async () => {
    const payloads = new MemoryPayloadStore();
    const record = createDecisionRecorder({ payloads, now: () => Date.parse(at) });

    const marker = await record({ executionArn: 'arn:x', agent: 'research', approval, answer: { response: { approved: true, reason: 'r'.repeat(200_000) } } });

    expect(marker).toEqual({ approvalId: 'ap-1', outcome: 'approved', decisionRef: 'stepwise-payload:decisions/ap-1' });
    await expect(payloads.get(marker.decisionRef)).resolves.toMatchObject({ reason: 'r'.repeat(200_000) });
    await expect(record({ executionArn: 'arn:x', agent: 'research', approval: { ...approval, callId: '' }, answer: { response: {} } })).rejects.toThrow('approval.callId');
  });
});

describe('encodeApprovalAnswer (what approvers send)', () => {
  const uploads: unknown[] = [];
  const upload = async (value: unknown) => {
    uploads.push(value);
    return `stepwise-payload:uploads/u-${uploads.length}`;
  };
  beforeEach(() => (uploads.length = 0));

  it('sends short decisions inline, as before', async () => {
    await expect(encodeApprovalAnswer({ approved: true, args: { to: 'b' }, reason: 'ok' }, upload)).resolves.toEqual({ kind: 'success', output: '{"approved":true,"args":{"to":"b"},"reason":"ok"}' });
    await expect(encodeApprovalAnswer({ approved: false, reason: 'no' }, upload)).resolves.toEqual({ kind: 'failure', error: 'Stepwise.ApprovalRejected', cause: 'no' });
    expect(uploads).toEqual([]);
  });

  it('uploads long edited arguments and reasons and sends their references', async () => {
    const args = { body: 'x'.repeat(1_000_000) };
    const answer = await encodeApprovalAnswer({ approved: true, args, reason: 'y'.repeat(200_000) }, upload);

    expect(answer).toEqual({ kind: 'success', output: '{"approved":true,"argsRef":"stepwise-payload:uploads/u-1","reasonRef":"stepwise-payload:uploads/u-2"}' });
    expect(uploads).toEqual([args, 'y'.repeat(200_000)]);
  });

  it('sends a rejection whose reason is longer than a cause (32,768) as a reference the recorder understands', async () => {
    const reason = 'z'.repeat(40_000);
    const answer = await encodeApprovalAnswer({ approved: false, reason }, upload);

    expect(answer.kind).toBe('failure');
    const cause = (answer as { cause: string }).cause;
    expect(cause.length).toBeLessThan(1_000);
    expect(decisionOf(approval, { Error: 'Stepwise.ApprovalRejected', Cause: cause }, 'now')).toMatchObject({ outcome: 'rejected', reasonRef: 'stepwise-payload:uploads/u-1' });
    expect(uploads).toEqual([reason]);
  });
});

describe('approvalRequestSchema', () => {
  it('carries arguments inline or by reference, never both and never neither', () => {
    expect(approvalRequestSchema.safeParse(approval).success).toBe(true);
    expect(approvalRequestSchema.safeParse({ ...approval, args: undefined, argsRef: 'stepwise-payload:approvals/ap-1/args', argsPreview: '{' }).success).toBe(true);
    expect(approvalRequestSchema.safeParse({ ...approval, argsRef: 'stepwise-payload:approvals/ap-1/args' }).success).toBe(false);
    expect(approvalRequestSchema.safeParse({ ...approval, args: undefined }).success).toBe(false);
  });
});
