import type { LocalEngine } from '../../local';
import { runCli, type CliResult } from '../helpers/cli';
import { listedApprovals, outboxLines, sfnClient, startAgent, startLedgerEngine, temporaryProject, waitFor, waitForEnd } from './e2e-harness';

describe('the stepwise command against a running engine', () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;

  beforeEach(async () => {
    project = temporaryProject();
    engine = await startLedgerEngine(project.root);
  });

  afterEach(async () => {
    await engine.stop();
    project.cleanup();
  });

  /** Runs a command against the engine; a failed command fails the test with what it printed. */
  async function stepwise(...args: string[]): Promise<CliResult> {
    const result = await runCli([...args, '--endpoint', engine.endpoint], { cwd: project.root, timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`stepwise ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  it('starts an execution, lists and approves its call, and reports its status and progress', async () => {
    const started = await stepwise('start', 'ledger', 'green', 'tea');
    const executionArn = started.stdout.trim();
    expect(executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:ledger:[\w-]+$/);

    // Each command is a new process that takes a while to start: wait through the API, then ask the CLI once.
    await waitFor(async () => (await listedApprovals(engine.endpoint, executionArn)).length > 0, { what: 'the approval' });
    const [pending] = JSON.parse((await stepwise('approvals', '--json')).stdout) as { approvalId: string }[];
    expect(pending).toMatchObject({ executionArn, tool: 'write_entry', args: { entry: 'entry: green tea' } });
    expect(pending).not.toHaveProperty('taskToken');

    const approved = await stepwise('approve', pending.approvalId, '--args', '{"entry":"sencha"}');
    expect(approved.stdout).toContain(`approved ${pending.approvalId} (write_entry) with entry edited`);
    await waitForEnd(sfnClient(engine), executionArn);
    const finished = JSON.parse((await stepwise('status', executionArn, '--json')).stdout);

    expect(finished).toMatchObject({ status: 'SUCCEEDED', error: null, pendingApprovals: [] });
    expect(finished.output.answer).toBe('observed: lookup={"topic":"green tea","facts":"facts about green tea"} | write_entry={"written":"sencha"}');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`sencha ${executionArn}:offline_2_1`]);
    const logs = await stepwise('logs', executionArn);
    expect(logs.stdout).toContain('lookup');
    expect(logs.stdout).toContain('write_entry');
    expect(logs.stdout).toContain('sencha');
  });

  it('refuses --args with a key the tool does not have before sending anything, and the call still waits', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const [pending] = await waitFor(async () => {
      const listed = await listedApprovals(engine.endpoint, executionArn);
      return listed.length > 0 && listed;
    });

    const misspelt = await runCli(['approve', pending.approvalId, '--args', '{"entyr":"sencha"}', '--endpoint', engine.endpoint], { cwd: project.root, timeoutMs: 30_000 });

    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('--args names entyr, which write_entry does not take (its arguments: entry)');
    expect(misspelt.stdout).not.toContain('approved');
    expect(await listedApprovals(engine.endpoint, executionArn)).toEqual([expect.objectContaining({ approvalId: pending.approvalId })]);
    await stepwise('reject', pending.approvalId, '--reason', 'done testing');
    await waitForEnd(sfn, executionArn);
  });

  it('rejects a call with a reason the agent sees, and says when an approval does not exist', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const [pending] = await waitFor(async () => {
      const listed = await listedApprovals(engine.endpoint, executionArn);
      return listed.length > 0 && listed;
    });

    const rejected = await stepwise('reject', pending.approvalId, '--reason', 'not on Sundays');
    const again = await runCli(['approve', pending.approvalId, '--endpoint', engine.endpoint], { cwd: project.root, timeoutMs: 30_000 });
    const finished = await waitForEnd(sfn, executionArn);

    expect(rejected.stdout).toContain('the agent is told: not on Sundays');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`No pending approval "${pending.approvalId}"`);
    expect(finished.status).toBe('SUCCEEDED');
    expect(JSON.parse(finished.output!).answer).toContain('write_entry=rejected by human operator: not on Sundays');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([]);
    const listed = await stepwise('list', '--agent', 'ledger');
    expect(listed.stdout).toContain(executionArn);
    expect(listed.stdout).toContain('SUCCEEDED');
  });
});
