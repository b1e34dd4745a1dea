import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetExecutionHistoryCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { runCli, repositoryRoot, type CliResult } from '../helpers/cli';
import { PUBLISHED_LOG, asciiText, bulkText, fingerprint } from '../fixtures/large-payloads.config';
import { outboxLines, pendingApproval, progressEvents, sfnClient, startAgent, startFixtureEngine, temporaryProject, waitForEnd } from './e2e-harness';

const CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'large-payloads.config.ts');
const MEGABYTE = 1024 * 1024;
/** ECS refuses a RunTask whose overrides take more than this many characters. */
const ECS_OVERRIDES_LIMIT = 8_192;

/** The characters of the `Overrides` of every RunAgent task the engine scheduled, from the AWS-shaped history. */
async function overridesSizes(sfn: SFNClient, executionArn: string): Promise<number[]> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events
    .filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'ecs')
    .map((event) => JSON.stringify(JSON.parse(event.taskScheduledEventDetails!.parameters!).Overrides).length);
}

describe('values past every limit of Step Functions and ECS, end to end on the local engine', () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;
  let sfn: SFNClient;

  // One engine for the file: each test has its own executions, and reads only their lines.
  beforeAll(async () => {
    project = temporaryProject();
    engine = await startFixtureEngine(CONFIG, project.root);
    sfn = sfnClient(engine);
  });

  afterAll(async () => {
    await engine.stop();
    project.cleanup();
  });

  /** What `publish` recorded for one execution. */
  const publishedBy = (executionArn: string): string[] => outboxLines(project.outbox, PUBLISHED_LOG).filter((line) => line.includes(` ${executionArn}:`));

  /** Runs a command against the engine; a failed command fails the test with what it printed. */
  async function stepwise(...args: string[]): Promise<CliResult> {
    const result = await runCli([...args, '--endpoint', engine.endpoint], { cwd: project.root, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`stepwise ${args.join(' ').slice(0, 200)} exited ${result.code}:\n${result.stdout.slice(0, 2_000)}\n${result.stderr.slice(0, 2_000)}`);
    return result;
  }

  function textFile(name: string, text: string): string {
    const folder = mkdtempSync(path.join(project.root, 'input-'));
    const file = path.join(folder, name);
    writeFileSync(file, text);
    return file;
  }

  it('runs a call with a 1 MB argument approved as is, and shows the whole argument to the approver', async () => {
    const body = bulkText(MEGABYTE);
    const executionArn = await startAgent(sfn, 'bulky', { task: `publish ${MEGABYTE}` });
    const approval = await pendingApproval(engine, executionArn);

    const [listed] = JSON.parse((await stepwise('approvals', '--execution', executionArn, '--json')).stdout) as { approvalId: string; args: { body: string } }[];
    expect(listed.approvalId).toBe(approval.approvalId);
    expect(fingerprint(listed.args.body)).toBe(fingerprint(body));
    await stepwise('approve', approval.approvalId);
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    expect(publishedBy(executionArn)).toEqual([`report ${fingerprint(body)} ${executionArn}:${approval.callId}`]);
    const sizes = await overridesSizes(sfn, executionArn);
    expect(sizes).toHaveLength(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(ECS_OVERRIDES_LIMIT);
  }, 120_000);

  it('runs a call whose short argument (quotes, backslashes, newlines) travels inline through the workflow unchanged', async () => {
    const body = bulkText(300);
    const executionArn = await startAgent(sfn, 'bulky', { task: 'publish 300' });
    const approval = await pendingApproval(engine, executionArn);
    expect(approval.args).toEqual({ title: 'report', body });

    await stepwise('approve', approval.approvalId);
    await waitForEnd(sfn, executionArn, 60_000);

    expect(publishedBy(executionArn)).toEqual([`report ${fingerprint(body)} ${executionArn}:${approval.callId}`]);
  }, 120_000);

  it('runs a call with a 1 MB argument approved with edits: the edited field replaces the original, the rest stays', async () => {
    const body = bulkText(MEGABYTE);
    const executionArn = await startAgent(sfn, 'bulky', { task: `publish ${MEGABYTE}` });
    const approval = await pendingApproval(engine, executionArn);

    const approved = await stepwise('approve', approval.approvalId, '--args', '{"title":"final report"}');
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(approved.stdout).toContain(`approved ${approval.approvalId} (publish) with title edited`);
    expect(execution.status).toBe('SUCCEEDED');
    expect(publishedBy(executionArn)).toEqual([`final report ${fingerprint(body)} ${executionArn}:${approval.callId}`]);
  }, 120_000);

  it('runs a call whose 1 MB argument the approver replaced with another 1 MB from a file', async () => {
    const replacement = bulkText(MEGABYTE, 'replacement');
    const executionArn = await startAgent(sfn, 'bulky', { task: `publish ${MEGABYTE}` });
    const approval = await pendingApproval(engine, executionArn);

    await stepwise('approve', approval.approvalId, '--args-file', textFile('args.json', JSON.stringify({ body: replacement })));
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    expect(publishedBy(executionArn)).toEqual([`report ${fingerprint(replacement)} ${executionArn}:${approval.callId}`]);
  }, 120_000);

  it('tells the agent a 200 KB rejection reason in full', async () => {
    const reason = bulkText(200 * 1024, 'reason');
    const executionArn = await startAgent(sfn, 'bulky', { task: 'publish 10' });
    const approval = await pendingApproval(engine, executionArn);

    await stepwise('reject', approval.approvalId, '--reason-file', textFile('reason.txt', reason));
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    expect(publishedBy(executionArn)).toEqual([]);
    const status = JSON.parse((await stepwise('status', executionArn, '--json')).stdout) as { output: { answer: string } };
    expect(fingerprint(status.output.answer)).toBe(fingerprint(`publish: rejected by human operator: ${reason}`));
  }, 120_000);

  it('records a 200 KB approval reason sent by any Step Functions client (raw SendTaskSuccess)', async () => {
    const reason = bulkText(200 * 1024, 'approved because');
    const executionArn = await startAgent(sfn, 'bulky', { task: 'publish 10' });
    const approval = await pendingApproval(engine, executionArn);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true, reason }) }));
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    expect(publishedBy(executionArn)).toHaveLength(1);
    const decided = (await progressEvents(engine, executionArn)).map((logged) => logged.event).find((event) => event.type === 'approval.decided');
    expect(decided).toMatchObject({ outcome: 'approved' });
    expect(fingerprint((decided as { reason: string }).reason)).toBe(fingerprint(reason));
  }, 120_000);

  it('approves with a 200 KB reason from a file through the CLI', async () => {
    const reason = bulkText(200 * 1024, 'fine by me');
    const executionArn = await startAgent(sfn, 'bulky', { task: 'publish 10' });
    const approval = await pendingApproval(engine, executionArn);

    await stepwise('approve', approval.approvalId, '--reason-file', textFile('reason.txt', reason));
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    const decided = (await progressEvents(engine, executionArn)).map((logged) => logged.event).find((event) => event.type === 'approval.decided');
    expect(fingerprint((decided as { reason: string }).reason)).toBe(fingerprint(reason));
  }, 120_000);

  it('runs a 250 KB execution input: the agent gets the whole task', async () => {
    // 250 KB of input in total: close to the 262,144-byte limit of StartExecution, and far past what ECS takes.
    // Ends in a letter: the input schema trims the task.
    const task = `${asciiText(250 * 1024 - 2_000)}end`;
    const input = JSON.stringify({ task });
    expect(Buffer.byteLength(input)).toBeGreaterThan(250 * 1000);
    expect(Buffer.byteLength(input)).toBeLessThan(262_144);

    const executionArn = await startAgent(sfn, 'measure', input);
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe(`task ${fingerprint(task)}`);
    expect(Math.max(...(await overridesSizes(sfn, executionArn)))).toBeLessThanOrEqual(ECS_OVERRIDES_LIMIT);
  }, 120_000);

  it('completes with a 100 KB answer that stepwise status prints in full', async () => {
    const answer = bulkText(100 * 1024, 'answer');
    const executionArn = await startAgent(sfn, 'verbose', { task: `answer ${100 * 1024}` });
    const execution = await waitForEnd(sfn, executionArn, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    const printed = await stepwise('status', executionArn);
    expect(printed.stdout).toContain(answer);
    const status = JSON.parse((await stepwise('status', executionArn, '--json')).stdout) as { output: { answer: string } };
    expect(status.output.answer).toBe(answer);
    const completed = (await progressEvents(engine, executionArn)).map((logged) => logged.event).find((event) => event.type === 'run.completed');
    expect((completed as { answer: string }).answer).toBe(answer);
  }, 120_000);
});
