import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { countLines, outboxLines, pendingApproval, progressEvents, sfnClient, startAgent, startLedgerEngine, temporaryProject, waitForEnd } from './e2e-harness';

describe('approvals through task tokens, end to end on the local engine', () => {
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

  it('runs the approved call once and succeeds with the answer', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const approval = await pendingApproval(engine, executionArn);
    expect(approval).toMatchObject({ tool: 'write_entry', args: { entry: 'entry: tea' }, reasoning: 'now write the entry' });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([]);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true }) }));
    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.answer).toBe('observed: lookup={"topic":"tea","facts":"facts about tea"} | write_entry={"written":"entry: tea"}');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${executionArn}:${approval.callId}`]);
    expect(outboxLines(project.outbox, 'dedupes.log')).toEqual([]);
    // The lookup completed in the first turn and was not run again by the second container.
    expect(Object.values(countLines(outboxLines(project.outbox, 'lookups.log')))).toEqual([1]);
  });

  it('runs the call with the arguments the human edited', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const approval = await pendingApproval(engine, executionArn);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true, args: { entry: 'coffee instead' }, reason: 'prefer coffee' }) }));
    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`coffee instead ${executionArn}:${approval.callId}`]);
    expect(JSON.parse(execution.output!).answer).toContain('write_entry={"written":"coffee instead"}');
  });

  it('tells the planner the reason of a rejection and does not run the call', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const approval = await pendingApproval(engine, executionArn);

    await sfn.send(new SendTaskFailureCommand({ taskToken: approval.taskToken, error: 'Stepwise.ApprovalRejected', cause: 'the ledger is closed today' }));
    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toContain('write_entry=rejected by human operator: the ledger is closed today');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([]);
    const decided = (await progressEvents(engine, executionArn)).map((logged) => logged.event).find((event) => event.type === 'approval.decided');
    expect(decided).toMatchObject({ outcome: 'rejected', reason: 'the ledger is closed today', tool: 'write_entry' });
  });

  it('turns an approval nobody answers into a timeout decision, and the call does not run', async () => {
    const executionArn = await startAgent(sfn, 'ledger_hasty', { task: 'tea' });

    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toContain('write_entry=rejected by human operator: no decision within 1 second (approval timed out)');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([]);
    const decided = (await progressEvents(engine, executionArn)).map((logged) => logged.event).find((event) => event.type === 'approval.decided');
    expect(decided).toMatchObject({ outcome: 'timeout', tool: 'write_entry' });
  });
});
