import { createStores } from '../../framework/stores';
import { RedriveExecutionCommand, SendTaskSuccessCommand, GetExecutionHistoryCommand, ExecutionNotRedrivable } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { EngineStore } from '../../local/store/engine-store';
import { eventually, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

describe('the local engine across restarts', () => {
  let engine: LocalEngine;
  let cleanup: () => void;
  let root: string;

  beforeEach(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    root = temporary.root;
    engine = await startTestEngine(root);
  });

  afterEach(async () => {
    await engine.stop();
    cleanup();
  });

  /** The two approvals of the 'approvals' scenario, once both are pending. */
  const bothApprovals = (executionArn: string) =>
    eventually(async () => {
      const listed = await engine.stores.approvals.list({ executionArn });
      return listed.length === 2 ? listed : undefined;
    });

  it('marks a running execution FAILED with a clear cause, and redrive completes it', async () => {
    let sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'slow', { delayMs: 1_500 });
    await eventually(() => engine.executions.tokens.ofExecution(executionArn).length > 0 || undefined);

    await engine.stop();
    engine = await startTestEngine(root);
    sfn = sfnClient(engine);
    const failed = await waitFor(sfn, executionArn);

    expect(failed).toMatchObject({ status: 'FAILED', error: 'Stepwise.EngineRestarted', redriveStatus: 'REDRIVABLE' });
    expect(failed.cause).toContain(`stepwise redrive ${executionArn}`);

    await sfn.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await waitFor(sfn, executionArn);

    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((event) => event.type)).toContain('ExecutionRedriven');
  });

  it('keeps a pending approval answerable with its token after a restart', async () => {
    let sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const approvals = await bothApprovals(executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approvals[0].taskToken, output: '{"approved":true}' }));
    await eventually(async () => ((await engine.stores.approvals.list({ executionArn })).length === 1 ? true : undefined));

    await engine.stop();
    engine = await startTestEngine(root);
    sfn = sfnClient(engine);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approvals[1].taskToken, output: '{"approved":true}' }));
    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('approval-1:approved,approval-2:approved');
    // Both requests had returned before the stop: neither was invoked again.
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.filter((event) => event.type === 'TaskSubmitted' && event.taskSubmittedEventDetails?.resourceType === 'lambda')).toHaveLength(2);
  });

  it('asks again for an approval whose request was still being recorded when the engine stopped', async () => {
    await engine.stop();
    // The approval requests never return, as when the engine dies while recording them: their tasks
    // wait on tokens that no approval in the store carries.
    const requested: string[] = [];
    engine = await startTestEngine(root, {
      lambdaHandlers: {
        'stepwise-approval-notifier': (event) => {
          requested.push(JSON.stringify(event));
          return new Promise(() => undefined);
        },
      },
    });
    let sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    await eventually(() => (requested.length === 2 ? true : undefined));
    expect(await engine.stores.approvals.list({ executionArn })).toEqual([]);

    await engine.stop();
    engine = await startTestEngine(root);
    sfn = sfnClient(engine);
    const approvals = await bothApprovals(executionArn);
    for (const approval of approvals) await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: '{"approved":true}' }));
    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('approval-1:approved,approval-2:approved');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.filter((event) => event.type === 'TaskSubmitted' && event.taskSubmittedEventDetails?.resourceType === 'lambda')).toHaveLength(2);
  });

  it('does not list an approval whose answer was taken just before the engine stopped', async () => {
    let sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const approvals = await bothApprovals(executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approvals[0].taskToken, output: '{"approved":true}' }));
    await eventually(async () => ((await engine.stores.approvals.list({ executionArn })).length === 1 ? true : undefined));
    await engine.stop();
    // The engine stopped after saving the answer but before removing the approval from its store.
    await createStores({ kind: 'file', root }).approvals.put(approvals[0]);

    engine = await startTestEngine(root);
    sfn = sfnClient(engine);

    expect((await engine.stores.approvals.list({ executionArn })).map((approval) => approval.approvalId)).toEqual([approvals[1].approvalId]);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approvals[1].taskToken, output: '{"approved":true}' }));
    expect((await waitFor(sfn, executionArn)).status).toBe('SUCCEEDED');
  });

  it('continues with the answers taken just before the engine stopped, without asking again', async () => {
    let sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const approvals = await bothApprovals(executionArn);
    await engine.stop();
    // The engine took both answers (approve, then reject) and saved them with the tokens, then
    // stopped before the workflow moved on: no history event, no decision recorded yet.
    const store = new EngineStore(root);
    const tasks = store.loadAll().find((stored) => stored.execution.executionArn === executionArn)!.tasks;
    for (const task of tasks.filter((candidate) => candidate.approvalId)) {
      Object.assign(
        task,
        task.approvalId === approvals[0].approvalId
          ? { status: 'succeeded', output: { approved: true }, closedAt: Date.now() }
          : { status: 'failed', error: 'Stepwise.ApprovalRejected', cause: 'not today', closedAt: Date.now() },
      );
    }
    store.saveTasks(executionArn, tasks);

    engine = await startTestEngine(root);
    sfn = sfnClient(engine);
    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('approval-1:approved,approval-2:rejected(not today)');
    expect(await engine.stores.approvals.list({ executionArn })).toEqual([]);
  });

  it('refuses to redrive an execution that succeeded', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'complete');
    await waitFor(sfn, executionArn);

    const redrive = sfn.send(new RedriveExecutionCommand({ executionArn }));

    await expect(redrive).rejects.toBeInstanceOf(ExecutionNotRedrivable);
  });
});
