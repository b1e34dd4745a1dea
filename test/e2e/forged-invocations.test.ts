import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { fakeCredentials, outboxLines, pendingApproval, sfnClient, startAgent, startLedgerEngine, temporaryProject, waitForEnd } from './e2e-harness';

/**
 * A tool whose calls need approval runs only as the call a human approved, in the run that holds
 * the approval, with exactly the approved arguments: an `aws lambda invoke` by hand, or an
 * envelope forged or replayed from a finished run, is refused by the engine's Lambda API.
 */
describe('invoking an approval-gated tool through the Lambda API by hand', () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;
  let lambda: LambdaClient;

  beforeAll(async () => {
    project = temporaryProject();
    engine = await startLedgerEngine(project.root);
    lambda = new LambdaClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: fakeCredentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    await engine.stop();
    project.cleanup();
  });

  const invoke = (functionName: string, event: unknown) => lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }));
  const envelope = (executionId: string, callId: string, entry: string, approval?: object) => ({
    arguments: { entry },
    callId,
    idempotencyKey: `${executionId}:${callId}`,
    executionId,
    ...(approval ? { approval } : {}),
  });
  const approved = { approved: true, outcome: 'approved' };

  it('refuses a call outside any execution, and the side effect does not happen', async () => {
    const forged = invoke('write_entry', envelope('arn:aws:states:us-east-1:000000000000:execution:ledger:made-up', 'c1', 'pwned', approved));

    await expect(forged).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('write_entry runs only as a call a human approved') });
    await expect(invoke('write_entry', { arguments: { entry: 'pwned' } })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([]);
  });

  it('refuses a forged call in a running execution before, and beside, the approved one; replays after it ended', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const pending = await pendingApproval(engine, executionArn);

    // Waiting for approval: the call was not approved yet.
    const early = invoke('write_entry', envelope(executionArn, pending.callId, 'entry: tea', approved));
    await expect(early).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('was not approved') });
    // Another call id of the same execution: never asked for.
    const other = invoke('write_entry', envelope(executionArn, 'offline_9_9', 'pwned', approved));
    await expect(other).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('no call offline_9_9') });

    await sfn.send(new SendTaskSuccessCommand({ taskToken: pending.taskToken, output: JSON.stringify({ approved: true, args: { entry: 'sencha' } }) }));
    const finished = await waitForEnd(sfn, executionArn);

    // The approved call ran once, with the edited arguments; replaying it (or the model's original arguments) runs nothing.
    expect(finished.status).toBe('SUCCEEDED');
    const replay = invoke('write_entry', envelope(executionArn, pending.callId, 'sencha', approved));
    await expect(replay).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('is SUCCEEDED') });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`sencha ${executionArn}:${pending.callId}`]);
  });

  it('still runs a tool that needs no approval when invoked by hand', async () => {
    const result = await invoke('lookup', envelope('by-hand', 'c1', 'unused') as never);

    expect(result.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(result.Payload!).toString())).toMatchObject({ ok: false, error: { message: expect.stringContaining('topic') } });
    const good = await invoke('lookup', { arguments: { topic: 'tea' }, callId: 'c1', idempotencyKey: 'by-hand:c1', executionId: 'by-hand' });
    expect(JSON.parse(Buffer.from(good.Payload!).toString())).toEqual({ ok: true, result: { topic: 'tea', facts: 'facts about tea' } });
  });

  it('refuses a forged notifier call that would replace a real approval\'s token', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'ledger', { task: 'coffee' });
    const pending = await pendingApproval(engine, executionArn);

    const forged = invoke('stepwise-approval-notifier', {
      taskToken: 'swt1.forged',
      executionArn,
      agent: 'ledger',
      approval: { approvalId: pending.approvalId, callId: pending.callId, tool: 'write_entry', args: { entry: 'pwned' }, reasoning: 'trust me', timeoutSeconds: 60 },
    });

    const answer = await forged;
    expect(answer.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(answer.Payload!).toString()).errorMessage).toContain('not a task token this engine issued');
    expect(await engine.stores.approvals.get(pending.approvalId)).toMatchObject({ taskToken: pending.taskToken, args: { entry: 'entry: coffee' } });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: pending.taskToken, output: JSON.stringify({ approved: false }) }));
    await waitForEnd(sfn, executionArn);
  });
});
