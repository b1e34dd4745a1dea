import {
  ApprovalPayloadField,
  buildAgentDefinition,
  ContainerEnv,
  DecisionOutcome,
  ErrorName,
  RunStatus,
  StateName,
  type AgentDefinitionOptions,
  type ApprovalRequest,
} from '../../state-machines';
import { decisionOf, EXECUTION_ARN, ExecutionError, runLocally, taskFailure, turnNumberOf } from './local-harness';
import { sampleCost } from '../helpers/cost';

const resources = {
  cluster: 'stepwise',
  taskDefinition: 'stepwise-agent:3',
  subnets: ['subnet-1'],
  securityGroups: ['sg-1'],
  approvalFunction: 'stepwise-approval',
  decisionFunction: 'stepwise-decision',
};

function definition(overrides: Partial<AgentDefinitionOptions> = {}) {
  return buildAgentDefinition({ agentName: 'research', approvalTimeoutSeconds: 600, resources, ...overrides });
}

const usage = { inputTokens: 120, outputTokens: 30 };
const cost = sampleCost(usage);

function completed(answer: string, iterations = 2) {
  return { status: RunStatus.Completed, answer, resultRef: null, usage, costUsd: 0.0012, cost, iterations };
}

function approval(id: string, tool: string): ApprovalRequest {
  return { approvalId: id, callId: `call-${id}`, tool, args: { to: `${id}@example.com` }, reasoning: 'needs sending', timeoutSeconds: 600 };
}

function awaiting(...approvals: ApprovalRequest[]) {
  return { status: RunStatus.AwaitingApproval, approvals, usage, costUsd: 0.001, cost, iterations: 1 };
}

async function failureOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExecutionError);
    const cause = (error as Error).cause as Error;
    return { name: cause.name, message: cause.message };
  }
  throw new Error('the execution succeeded but was expected to fail');
}

describe('the agent workflow in aws-local-stepfunctions', () => {
  it('succeeds with the answer, usage, cost and iterations when the first turn completes', async () => {
    // Prepare
    const input = { task: 'Summarize the report', sessionId: 's-1' };

    // Act
    const run = runLocally(definition(), input, { runAgent: () => completed('The report says 42.') });
    const output = await run.result;

    // Assess
    expect(output).toEqual({ answer: 'The report says 42.', resultRef: null, usage, costUsd: 0.0012, cost, iterations: 2 });
    expect(run.turns).toHaveLength(1);
    expect(run.turns[0].containerName).toBe('agent');
    // The input is not in the overrides: the container reads it with DescribeExecution.
    expect(run.turns[0].env).toEqual({
      [ContainerEnv.TaskToken]: 'token-1',
      [ContainerEnv.ExecutionArn]: EXECUTION_ARN,
      [ContainerEnv.Agent]: 'research',
      [ContainerEnv.Turn]: '1',
    });
    expect(run.turns[0].parameters).toMatchObject({ Cluster: 'stepwise', TaskDefinition: 'stepwise-agent:3', LaunchType: 'FARGATE' });
  });

  it('passes the reference of a long answer through to the execution output', async () => {
    // Act
    const run = runLocally(definition(), { task: 'x' }, { runAgent: () => ({ ...completed('The start…'), resultRef: 'stepwise-payload:results/run-1' }) });

    // Assess
    await expect(run.result).resolves.toMatchObject({ answer: 'The start…', resultRef: 'stepwise-payload:results/run-1' });
  });

  it('asks for every pending approval at once, records both decisions, and starts the next turn', async () => {
    // Prepare
    const pending = [approval('a1', 'send_email'), approval('a2', 'delete_file')];
    const runAgent = (_turn: unknown, attempt: number) => (attempt === 1 ? awaiting(...pending) : completed('Done: both ran.', 4));
    const requestApproval = (request: { Payload: Record<string, unknown> }) => {
      const asked = request.Payload[ApprovalPayloadField.Approval] as ApprovalRequest;
      return asked.approvalId === 'a1' ? { approved: true, args: { to: 'boss@example.com' }, reason: 'edited recipient' } : { approved: true };
    };

    // Act
    const run = runLocally(definition(), { task: 'Email the boss and clean up' }, { runAgent, requestApproval });
    const output = await run.result;

    // Assess
    expect(output).toEqual({ answer: 'Done: both ran.', resultRef: null, usage, costUsd: 0.0012, cost, iterations: 4 });
    expect(run.approvalInputs.map((request) => request.FunctionName)).toEqual(['stepwise-approval', 'stepwise-approval']);
    expect(run.decisionInputs.map((request) => request.FunctionName)).toEqual(['stepwise-decision', 'stepwise-decision']);
    const payloads = run.approvalInputs.map((request) => request.Payload);
    expect(payloads.map((payload) => payload[ApprovalPayloadField.Approval])).toEqual(pending);
    expect(payloads.every((payload) => payload[ApprovalPayloadField.ExecutionArn] === EXECUTION_ARN)).toBe(true);
    expect(payloads.every((payload) => payload[ApprovalPayloadField.Agent] === 'research')).toBe(true);
    const approvalTokens = payloads.map((payload) => payload[ApprovalPayloadField.TaskToken]);
    const turnTokens = run.turns.map((turn) => turn.env[ContainerEnv.TaskToken]);
    expect(new Set([...approvalTokens, ...turnTokens]).size).toBe(4);
    await expect(decisionOf(run, 'a1')).resolves.toEqual({ approvalId: 'a1', callId: 'call-a1', outcome: DecisionOutcome.Approved, args: { to: 'boss@example.com' }, reason: 'edited recipient', decidedAt: '2025-01-01T00:00:00.000Z' });
    await expect(decisionOf(run, 'a2')).resolves.toMatchObject({ approvalId: 'a2', outcome: DecisionOutcome.Approved });
    expect(run.turns.map(turnNumberOf)).toEqual([1, 2]);
    expect(run.turns[1].env).not.toHaveProperty('STEPWISE_DECISIONS');
  });

  it('keeps a retried turn on the same turn number and counts only turns after approvals', async () => {
    // Prepare
    const runAgent = (_turn: unknown, attempt: number) => {
      if (attempt === 1) throw taskFailure('States.HeartbeatTimeout', 'no heartbeat');
      return attempt === 2 ? awaiting(approval('a1', 'send_email')) : completed('ok');
    };

    // Act
    const run = runLocally(definition(), { task: 'x' }, { runAgent, requestApproval: () => ({ approved: true }) });
    await run.result;

    // Assess
    expect(run.turns.map(turnNumberOf)).toEqual([1, 1, 2]);
  });

  it('turns a SendTaskFailure on an approval into a rejection with its cause', async () => {
    // Prepare
    const runAgent = (_turn: unknown, attempt: number) => (attempt === 1 ? awaiting(approval('a1', 'send_email')) : completed('Skipped the email.'));
    const requestApproval = () => {
      throw taskFailure(ErrorName.ApprovalRejected, 'not to customers');
    };

    // Act
    const run = runLocally(definition(), { task: 'Email customers' }, { runAgent, requestApproval });
    await run.result;

    // Assess
    expect(run.decisionInputs[0].Payload.answer).toEqual({ Error: ErrorName.ApprovalRejected, Cause: 'not to customers' });
    await expect(decisionOf(run, 'a1')).resolves.toMatchObject({ approvalId: 'a1', callId: 'call-a1', outcome: DecisionOutcome.Rejected, reason: 'not to customers' });
  });

  it('records a timeout decision when nobody answers an approval in time', async () => {
    // Prepare
    const runAgent = (_turn: unknown, attempt: number) => (attempt === 1 ? awaiting(approval('a1', 'send_email')) : completed('Timed out, so no email.'));
    const requestApproval = () => new Promise(() => undefined);

    // Act
    const run = runLocally(definition({ approvalTimeoutSeconds: 1 }), { task: 'Email customers' }, { runAgent, requestApproval });
    const output = await run.result;

    // Assess
    expect(output).toMatchObject({ answer: 'Timed out, so no email.' });
    expect((run.decisionInputs[0].Payload.answer as { Error: string }).Error).toBe('States.Timeout');
    await expect(decisionOf(run, 'a1')).resolves.toMatchObject({ outcome: DecisionOutcome.Timeout });
  });

  it('fails the execution with the error name and message of a FAILED turn', async () => {
    // Prepare
    const runAgent = () => ({
      status: RunStatus.Failed,
      error: { name: ErrorName.MaxIterationsExceeded, message: 'The agent reached maxIterations (10)' },
      usage,
      costUsd: 0.01,
      cost,
      iterations: 10,
    });

    // Act
    const run = runLocally(definition(), { task: 'Loop forever' }, { runAgent });
    const failure = await failureOf(run.result);

    // Assess
    expect(failure).toEqual({ name: ErrorName.MaxIterationsExceeded, message: 'The agent reached maxIterations (10)' });
    await run.eventsDone;
    expect(run.events.at(-1)).toMatchObject({ type: 'ExecutionFailed', Error: ErrorName.MaxIterationsExceeded });
  });

  it('re-runs the container with a new token after a missed heartbeat or an internal error', async () => {
    // Prepare
    const runAgent = (_turn: unknown, attempt: number) => {
      if (attempt === 1) throw taskFailure('States.HeartbeatTimeout', 'no heartbeat for 60 seconds');
      if (attempt === 2) throw taskFailure(ErrorName.InternalError, 'store unavailable');
      return completed('Recovered.');
    };

    // Act
    const run = runLocally(definition(), { task: 'Try hard' }, { runAgent });
    const output = await run.result;

    // Assess
    expect(output).toMatchObject({ answer: 'Recovered.' });
    expect(run.turns.map((turn) => turn.env[ContainerEnv.TaskToken])).toEqual(['token-1', 'token-2', 'token-3']);
  });

  it('gives up after maxContainerAttempts container runs', async () => {
    // Prepare
    const runAgent = () => {
      throw taskFailure('States.HeartbeatTimeout', 'no heartbeat for 60 seconds');
    };

    // Act
    const run = runLocally(definition({ maxContainerAttempts: 2 }), { task: 'Crash' }, { runAgent });
    const failure = await failureOf(run.result);

    // Assess
    expect(failure.name).toBe('States.HeartbeatTimeout');
    expect(run.turns).toHaveLength(2);
  });

  it('does not re-run the container when its input is invalid', async () => {
    // Prepare
    const runAgent = () => {
      throw taskFailure(ErrorName.InvalidInput, 'task must not be empty');
    };

    // Act
    const run = runLocally(definition(), { task: '' }, { runAgent });
    const failure = await failureOf(run.result);

    // Assess
    expect(failure).toEqual({ name: ErrorName.InvalidInput, message: 'task must not be empty' });
    expect(run.turns).toHaveLength(1);
  });

  it('re-runs the container at once when ECS stopped its task before it answered', async () => {
    // Prepare
    const runAgent = (_turn: unknown, attempt: number) => {
      if (attempt === 1) throw taskFailure(ErrorName.ContainerStopped, 'ECS task stopped (TaskFailedToStart): Timeout waiting for network interface provisioning to complete.');
      return completed('Started the second time.');
    };

    // Act
    const run = runLocally(definition(), { task: 'Try again' }, { runAgent });
    const output = await run.result;

    // Assess
    expect(output).toMatchObject({ answer: 'Started the second time.' });
    expect(run.turns).toHaveLength(2);
  });

  it('does not re-run a container whose task cannot start as deployed', async () => {
    // Prepare
    const reason = 'ECS task stopped (TaskFailedToStart): CannotPullContainerError: failed to resolve ref: not found';
    const runAgent = () => {
      throw taskFailure(ErrorName.ContainerStartFailed, reason);
    };

    // Act
    const run = runLocally(definition(), { task: 'Start' }, { runAgent });
    const failure = await failureOf(run.result);

    // Assess
    expect(failure).toEqual({ name: ErrorName.ContainerStartFailed, message: reason });
    expect(run.turns).toHaveLength(1);
  });

  it('fails with an internal error when a turn ends with an unknown status', async () => {
    // Act
    const run = runLocally(definition(), { task: 'x' }, { runAgent: () => ({ status: 'SLEEPING', usage, costUsd: 0, iterations: 0 }) });
    const failure = await failureOf(run.result);

    // Assess
    expect(failure.name).toBe(ErrorName.InternalError);
  });

  it('logs state events an engine can turn into an execution history', async () => {
    // Prepare
    const runAgent = (_turn: unknown, attempt: number) => (attempt === 1 ? awaiting(approval('a1', 'send_email')) : completed('ok'));

    // Act
    const run = runLocally(definition(), { task: 'x' }, { runAgent, requestApproval: () => ({ approved: false, reason: 'no' }) });
    await run.result;
    await run.eventsDone;

    // Assess
    const entered = run.events.filter((event) => event.type === 'StateEntered').map((event) => event.state?.name);
    expect(entered).toEqual(
      expect.arrayContaining([StateName.Initialize, StateName.RunAgent, StateName.CheckTurnStatus, StateName.RequestApprovals, StateName.RequestApproval, StateName.Succeeded]),
    );
    expect(entered.filter((name) => name === StateName.RunAgent)).toHaveLength(2);
    expect(run.events.map((event) => event.type)).toEqual(expect.arrayContaining(['ExecutionStarted', 'MapIterationStarted', 'MapIterationSucceeded', 'ExecutionSucceeded']));
    const iterationState = run.events.find((event) => event.type === 'StateEntered' && event.state?.name === StateName.RequestApproval);
    expect(iterationState).toMatchObject({ index: 0 });
  });

  it('fails with States.Runtime when the engine supplies no $$.Task.Token', async () => {
    // Act
    const run = runLocally(definition(), { task: 'x' }, { runAgent: () => completed('never') }, { withTaskToken: false });
    const failure = await failureOf(run.result);

    // Assess
    expect(failure.name).toBe('States.Runtime');
    expect(failure.message).toContain('$$.Task.Token');
    expect(run.turns).toHaveLength(0);
  });
});
