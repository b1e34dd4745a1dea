import {
  GetExecutionHistoryCommand,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { mintTaskToken } from '../../local/executions/task-tokens';
import { listedApprovals, outboxLines, pendingApproval, sfnClient, startAgent, startLedgerEngine, temporaryProject, waitFor, waitForEnd } from './e2e-harness';

async function fullHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

describe('the Step Functions API of the engine, as AWS clients use it', () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;
  let sfn: SFNClient;

  beforeEach(async () => {
    project = temporaryProject();
    engine = await startLedgerEngine(project.root);
    sfn = sfnClient(engine);
  });

  afterEach(async () => {
    await engine.stop();
    project.cleanup();
  });

  it.each([
    ['an empty task', { task: '' }, 'task: task must not be empty'],
    ['an unknown key', { task: 'tea', colour: 'green' }, 'colour'],
  ])('fails an execution whose input has %s with Stepwise.InvalidInput naming the field', async (_case, input, named) => {
    const executionArn = await startAgent(sfn, 'ledger', input);

    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Stepwise.InvalidInput');
    expect(execution.cause).toContain('Invalid execution input');
    expect(execution.cause).toContain(named);
    expect(outboxLines(project.outbox, 'lookups.log')).toEqual([]);
  });

  it('answers a reused token with TaskTimedOut, an unknown one with TaskDoesNotExist and a malformed one with InvalidToken', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const approval = await pendingApproval(engine, executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: '{"approved":true}' }));

    const reusedSuccess = sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: '{"approved":true}' }));
    const reusedFailure = sfn.send(new SendTaskFailureCommand({ taskToken: approval.taskToken, error: 'Stepwise.ApprovalRejected', cause: 'changed my mind' }));
    const unknown = sfn.send(new SendTaskSuccessCommand({ taskToken: mintTaskToken(), output: '{"approved":true}' }));
    const malformed = sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{"approved":true}' }));

    await expect(reusedSuccess).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(reusedFailure).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(unknown).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(malformed).rejects.toBeInstanceOf(InvalidToken);
    const execution = await waitForEnd(sfn, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(outboxLines(project.outbox, 'effects.log')).toHaveLength(1);
  });

  it('lists the pending approval with its token over HTTP and records an AWS-shaped history', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const [listed] = await waitFor(async () => {
      const approvals = await listedApprovals(engine.endpoint);
      return approvals.length > 0 && approvals;
    });

    expect(listed).toMatchObject({ executionArn, agent: 'ledger', tool: 'write_entry', args: { entry: 'entry: tea' }, taskToken: expect.any(String) });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: listed.taskToken, output: '{"approved":true}' }));
    await waitForEnd(sfn, executionArn);
    expect(await listedApprovals(engine.endpoint)).toEqual([]);

    const history = await fullHistory(sfn, executionArn);
    const types = history.map((event) => event.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
    expect(history.every((event) => event.timestamp instanceof Date)).toBe(true);
    expect(JSON.parse(history[0].executionStartedEventDetails!.input!)).toEqual({ task: 'tea' });
    const scheduled = history.filter((event) => event.type === 'TaskScheduled').map((event) => event.taskScheduledEventDetails!);
    // Two container turns around one approval; the resource is split the way AWS reports it.
    expect(scheduled.map((details) => `arn:aws:states:::${details.resourceType}:${details.resource}`)).toEqual([
      'arn:aws:states:::ecs:runTask.waitForTaskToken',
      'arn:aws:states:::lambda:invoke.waitForTaskToken',
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::ecs:runTask.waitForTaskToken',
    ]);
    expect(JSON.parse(scheduled[1].parameters!)).toMatchObject({ Payload: { taskToken: listed.taskToken, approval: { approvalId: listed.approvalId } } });
    expect(types).toEqual(
      expect.arrayContaining(['TaskStateEntered', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'MapStateEntered', 'MapIterationStarted', 'ChoiceStateEntered', 'SucceedStateEntered']),
    );
    const succeeded = history.at(-1)!.executionSucceededEventDetails!;
    expect(JSON.parse(succeeded.output!).answer).toContain('write_entry={"written":"entry: tea"}');
  });
});
