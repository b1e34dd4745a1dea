/**
 * Values past every limit of Step Functions and ECS, through the local engine (which enforces
 * those limits as AWS does): a 1 MB and a 4 MB approval-gated argument approved as is and with
 * edits, a 200 KB reason, a 250 KB execution input, 100 KB and 1 MB answers. For each run it
 * prints whether it completed, its wall time, and the largest values that crossed each boundary:
 * the RunTask overrides (ECS: 8,192 characters), a task output and a state's input or output
 * (Step Functions: 262,144 bytes), as recorded in the execution's AWS-shaped history.
 * Prints figures; asserts nothing. Run: npm run bench:payloads (builds the container first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { loadConfig } from '../framework/internal';
import { stateMachineArn, startProjectEngine, type LocalEngine } from '../local';
import { answerApproval, uploaderOf } from '../state-machines';

const FIXTURE = path.join(__dirname, 'fixtures', 'payloads-bench.config.ts');
const KB = 1024;
const MB = 1024 * KB;

const bytes = (text: string | undefined): number => Buffer.byteLength(text ?? '', 'utf8');

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The largest values that crossed each boundary in one execution. */
function crossings(events: readonly HistoryEvent[]) {
  const overrides = events
    .filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'ecs')
    .map((event) => JSON.stringify(JSON.parse(event.taskScheduledEventDetails!.parameters!).Overrides).length);
  const taskOutputs = events.filter((event) => event.type === 'TaskSucceeded').map((event) => bytes(event.taskSucceededEventDetails?.output));
  const statePayloads = events.flatMap((event) => [bytes(event.stateEnteredEventDetails?.input), bytes(event.stateExitedEventDetails?.output)]);
  const token = events.find((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'ecs');
  const tokenChars = token ? (JSON.parse(token.taskScheduledEventDetails!.parameters!).Overrides.ContainerOverrides[0].Environment as { Name: string; Value: string }[]).find((entry) => entry.Name === 'STEPWISE_TASK_TOKEN')!.Value.length : 0;
  return { overrides: Math.max(...overrides), taskOutput: Math.max(...taskOutputs), statePayload: Math.max(...statePayloads), tokenChars };
}

async function finished(sfn: SFNClient, executionArn: string) {
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await sleep(20);
  }
}

interface Scenario {
  readonly name: string;
  readonly agent: string;
  readonly input: string;
  /** How the approver answers, when the run pauses. */
  readonly decide?: (args: Record<string, unknown>) => { approved: boolean; args?: Record<string, unknown>; reason?: string };
}

const SCENARIOS: readonly Scenario[] = [
  { name: '1 MB argument, approved as is', agent: 'bulky', input: JSON.stringify({ task: `publish ${MB}` }), decide: () => ({ approved: true }) },
  { name: '1 MB argument, approved with an edited title', agent: 'bulky', input: JSON.stringify({ task: `publish ${MB}` }), decide: (args) => ({ approved: true, args: { ...args, title: 'edited' } }) },
  { name: '4 MB argument, approved as is', agent: 'bulky', input: JSON.stringify({ task: `publish ${4 * MB}` }), decide: () => ({ approved: true }) },
  { name: '200 KB approval reason', agent: 'bulky', input: JSON.stringify({ task: 'publish 100' }), decide: () => ({ approved: true, reason: 'r'.repeat(200 * KB) }) },
  { name: '200 KB rejection reason', agent: 'bulky', input: JSON.stringify({ task: 'publish 100' }), decide: () => ({ approved: false, reason: 'n'.repeat(200 * KB) }) },
  { name: '250 KB execution input', agent: 'measure', input: JSON.stringify({ task: 't'.repeat(250 * KB - 20) }) },
  { name: '100 KB answer', agent: 'verbose', input: JSON.stringify({ task: `answer ${100 * KB}` }) },
  { name: '1 MB answer', agent: 'verbose', input: JSON.stringify({ task: `answer ${MB}` }) },
];

async function run(engine: LocalEngine, sfn: SFNClient, scenario: Scenario) {
  const started = performance.now();
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(scenario.agent), input: scenario.input }));
  if (scenario.decide) {
    let approval;
    while (!(approval = (await engine.stores.approvals.list({ executionArn }))[0])) await sleep(20);
    const args = approval.args ?? ((await engine.stores.payloads.get(approval.argsRef!)) as Record<string, unknown>);
    await answerApproval(sfn, approval.taskToken, scenario.decide(args), uploaderOf(engine.stores.payloads));
  }
  const execution = await finished(sfn, executionArn!);
  const wallMs = performance.now() - started;
  return { status: execution.status, wallMs, ...crossings(await history(sfn, executionArn!)) };
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-payload-bench-'));
  const { config, path: configPath } = await loadConfig(FIXTURE);
  const engine = await startProjectEngine({ config, configPath, root, workspace: { STEPWISE_OUTBOX_DIR: path.join(root, 'outbox') } });
  const sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  try {
    console.log(`Load average at start: ${os.loadavg()[0].toFixed(2)}`);
    console.log('| run | status | wall time | largest RunTask overrides (chars, limit 8,192) | largest task output (bytes, limit 262,144) | largest state payload (bytes, limit 262,144) |');
    console.log('|---|---|---|---|---|---|');
    let tokenChars = 0;
    for (const scenario of SCENARIOS) {
      const result = await run(engine, sfn, scenario);
      tokenChars = result.tokenChars;
      console.log(`| ${scenario.name} | ${result.status} | ${(result.wallMs / 1000).toFixed(1)} s | ${result.overrides.toLocaleString('en')} | ${result.taskOutput.toLocaleString('en')} | ${result.statePayload.toLocaleString('en')} |`);
    }
    console.log(`Task token length: ${tokenChars} characters (AWS: up to 2,048). Load average at end: ${os.loadavg()[0].toFixed(2)}`);
  } finally {
    await engine.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
