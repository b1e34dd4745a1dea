import { SendTaskFailureCommand, SendTaskSuccessCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { eventually, MACHINE, scriptedDefinition, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

describe('approvals on the local engine', () => {
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

  const pendingApprovals = (executionArn: string, count = 2) =>
    eventually(async () => {
      const approvals = await engine.stores.approvals.list({ executionArn });
      return approvals.length === count ? approvals : undefined;
    });

  it('pauses for two approvals and resumes the agent with both decisions', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const [first, second] = await pendingApprovals(executionArn);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: first.taskToken, output: JSON.stringify({ approved: true }) }));
    await sfn.send(new SendTaskFailureCommand({ taskToken: second.taskToken, error: 'Stepwise.ApprovalRejected', cause: 'not this one' }));
    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('approval-1:approved,approval-2:rejected(not this one)');
    expect(await engine.stores.approvals.list({ executionArn })).toEqual([]);
  });

  it('records who asked for what in each pending approval', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');

    const [first] = await pendingApprovals(executionArn);

    expect(first).toMatchObject({ approvalId: 'approval-1', executionArn, agent: MACHINE, tool: 'send_email', args: { to: 'person1@example.com' } });
    expect(Date.parse(first.expiresAt) - Date.parse(first.requestedAt)).toBe(60_000);
  });

  it('never lists an answered approval, even before it leaves the store', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const [first, second] = await pendingApprovals(executionArn);
    await sfn.send(new SendTaskFailureCommand({ taskToken: first.taskToken, error: 'Stepwise.ApprovalRejected', cause: 'no' }));
    await eventually(async () => ((await engine.stores.approvals.list({ executionArn })).length === 1 ? true : undefined));
    // The moment between the answer and the removal from the store: the record is still there.
    await engine.stores.approvals.put(first);

    const listed = (await (await fetch(`${engine.endpoint}/approvals?executionArn=${encodeURIComponent(executionArn)}`)).json()) as { approvals: { approvalId: string }[] };

    expect(listed.approvals.map((approval) => approval.approvalId)).toEqual([second.approvalId]);
  });

  it('answers TaskTimedOut when a token is used a second time', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const [first] = await pendingApprovals(executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: first.taskToken, output: '{"approved":true}' }));

    const again = sfn.send(new SendTaskSuccessCommand({ taskToken: first.taskToken, output: '{"approved":true}' }));

    await expect(again).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('counts an unanswered approval as timed out', async () => {
    await engine.stop();
    engine = await startTestEngine(root, { stateMachines: [{ name: MACHINE, definition: scriptedDefinition({ approvalTimeoutSeconds: 1 }) }] });
    const sfn = sfnClient(engine);

    const execution = await waitFor(sfn, await startScripted(sfn, 'approvals'));

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('approval-1:timeout,approval-2:timeout');
  });
});
