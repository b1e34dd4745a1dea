/**
 * What the local engine costs on top of the ReAct loop itself:
 * 1. a 5-iteration run in process (`runAgent`) vs through the engine (StartExecution →
 *    DescribeExecution SUCCEEDED): the workflow, the container process, Lambda-API tool calls and
 *    checkpoints; and how much of it is the container process starting;
 * 2. approval-to-resume latency: SendTaskSuccess on the approval's token → the resumed container's
 *    first event in the event log;
 * 3. 20 executions at once: wall time, the engine process's RSS, and the containers running.
 * The engine runs in this process on a temporary root, bound to 127.0.0.1; nothing else is contacted.
 * The containers run with the engine's default V8 tuning (`lean`), or the one `STEPWISE_CONTAINER_V8` names.
 * Prints figures; asserts nothing. Run: npm run bench:engine (builds the container first).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { contextOfConfig, createStores, loadConfig, runAgent, type LoggedEvent, type RunOptions, type StoredApproval } from '../framework/internal';
import { INHERITED_ENV, agentTaskEntry, stateMachineArn, startProjectEngine, type LocalEngine } from '../local';
import { buildConfig } from '../local/config-build';
import { ContainerEnv, ContainerV8Tuning, parseContainerV8Tuning } from '../state-machines';
import { FIVE_STEPS_ITERATIONS } from './fixtures/engine-bench.config';

const FIXTURE = path.join(__dirname, 'fixtures', 'engine-bench.config.ts');
const Repetitions = { inProcess: 15, engine: 7, approval: 7, nodeStart: 5 } as const;
const CONCURRENT_EXECUTIONS = 20;
/** How often the client polls DescribeExecution and the event log; a measured end can be this late. */
const POLL_MS = 10;
/** How often the 20-execution round samples RSS and polls (one request at a time, to keep the engine's load from the bench small). */
const SAMPLE_MS = 100;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const spread = (values: readonly number[]): string => `median ${ms(median(values))} (min ${ms(Math.min(...values))}, max ${ms(Math.max(...values))})`;

interface Bench {
  readonly engine: LocalEngine;
  readonly sfn: SFNClient;
  /** Requests the SDK had to retry (it retries a connection reset on a reused keep-alive socket). */
  retries: number;
}

/** Counts the SDK's retries of a request that then succeeded, so the figures say when they happened. */
function counted<T extends { $metadata: { attempts?: number } }>(bench: Bench, output: T): T {
  bench.retries += Math.max(0, (output.$metadata.attempts ?? 1) - 1);
  return output;
}

async function startExecution(bench: Bench, agent: string, task: string): Promise<string> {
  const { executionArn } = counted(bench, await bench.sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(agent), input: JSON.stringify({ task }) })));
  return executionArn!;
}

/** DescribeExecution every POLL_MS until the execution ends; anything but SUCCEEDED stops the bench. */
async function waitForSuccess(bench: Bench, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const execution = await describeEnded(bench, executionArn);
    if (execution) return execution;
    await sleep(POLL_MS);
  }
}

/** The execution once it SUCCEEDED, `undefined` while it runs; any other end stops the bench. */
async function describeEnded(bench: Bench, executionArn: string): Promise<DescribeExecutionCommandOutput | undefined> {
  const execution = counted(bench, await bench.sfn.send(new DescribeExecutionCommand({ executionArn })));
  if (execution.status === 'SUCCEEDED') return execution;
  if (execution.status !== 'RUNNING') throw new Error(`${executionArn} ended ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`);
  return undefined;
}

async function history(bench: Bench, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = counted(bench, await bench.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken })));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The times (epoch ms) the workflow scheduled the RunAgent task (the container), in order. */
const containerScheduledTimes = (events: readonly HistoryEvent[]): number[] =>
  events.filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'ecs').map((event) => event.timestamp!.getTime());

const eventTime = (logged: LoggedEvent): number => Date.parse(logged.event.at);

/**
 * The environment the engine gives a container before its own variables: what it inherits (a
 * variable such as NODE_EXTRA_CA_CERTS, which costs Node 40-80 ms and 2 MiB at start, is not).
 */
const containerBaseEnv = (): NodeJS.ProcessEnv => Object.fromEntries(INHERITED_ENV.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));

/** Median wall time of `node <args>` run to its end with a container's inherited environment, in ms. */
async function nodeRunTime(args: readonly string[]): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < Repetitions.nodeStart; run++) {
    const started = performance.now();
    await promisify(execFile)(process.execPath, args, { env: containerBaseEnv() });
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** What starting a container costs before it does anything: Node itself, the container's code, the config. */
/** The peak RSS of a Node process that does nothing (what is Node's, not the container's), in bytes. */
async function bareNodePeakRss(): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', `process.stdout.write(/^VmHWM:\\s+(\\d+) kB/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1])`], { env: containerBaseEnv() });
  return Number(stdout) * 1024;
}

async function containerStartUp(): Promise<{ bareNode: number; bareNodeRss: number; loadBundle: number; loadBundleAndCompiledConfig: number; loadModulesAndConfig: number; loadModulesAndCompiledConfig: number }> {
  const bundle = agentTaskEntry();
  const folder = path.dirname(bundle);
  // What containers loaded before the bundle: the compiled files one by one from dist/ and node_modules/.
  const modules = [path.join(folder, 'main.js'), path.join(folder, 'environment.js'), path.join(folder, 'turn.js'), '@aws-sdk/client-lambda'];
  const requireAll = modules.map((module) => `require(${JSON.stringify(module)});`).join(' ');
  const framework = JSON.stringify(path.resolve(folder, '..', 'framework', 'internal'));
  // The bundle as a container loads it: the file, then (after the first heartbeat) the framework inside it.
  const requireBundle = `const b = require(${JSON.stringify(bundle)}); const fw = b.hostedModules(b.bundleManifest)[0].load();`;
  // What the engine hands its containers: the config compiled ahead of time.
  const buildRoot = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-config-'));
  const compiled = buildConfig(FIXTURE, buildRoot).compiledPath;
  return {
    bareNode: await nodeRunTime(['-e', '0']),
    bareNodeRss: process.platform === 'linux' ? await bareNodePeakRss() : Number.NaN,
    loadBundle: await nodeRunTime(['-e', requireBundle]),
    // As the container loads it (loadCompiledConfig is internal, not on the entry the bundle lends): require it, check it is a config.
    loadBundleAndCompiledConfig: await nodeRunTime(['-e', `${requireBundle} const c = require(${JSON.stringify(compiled)}); if (!fw.isConfig(c.default ?? c)) throw new Error('not a config');`]),
    loadModulesAndConfig: await nodeRunTime(['-e', `${requireAll} require(${framework}).loadConfig(${JSON.stringify(FIXTURE)}).catch((e) => { console.error(e); process.exit(1); })`]),
    loadModulesAndCompiledConfig: await nodeRunTime(['-e', `${requireAll} require(${framework}).loadCompiledConfig(${JSON.stringify(compiled)}, ${JSON.stringify(FIXTURE)})`]),
  };
}

interface EngineSample {
  /** StartExecution sent → DescribeExecution SUCCEEDED seen. */
  readonly wall: number;
  /** The execution's startDate → stopDate, and its parts from the history and the event log's timestamps. */
  readonly engine: number;
  readonly toScheduled: number;
  readonly toFirstEvent: number;
  readonly inContainer: number;
  readonly lastEventToEnd: number;
}

async function overheadOfFiveIterations(bench: Bench, agentName: string, startUp: Awaited<ReturnType<typeof containerStartUp>>, print: (line: string) => void): Promise<void> {
  const { config } = await loadConfig(FIXTURE);
  const agent = config.agent(agentName);
  const context = await contextOfConfig(config, { STEPWISE_OUTBOX_DIR: path.join(bench.engine.root, 'outbox') });
  // The same durable writes the container makes after every step, in the same kind of store.
  const stores = createStores({ kind: 'file', root: path.join(bench.engine.root, 'in-process') });
  const durable = (runId: string): RunOptions => ({
    runId,
    onEvent: async (event) => void (await stores.events.append(runId, [event])),
    checkpointStore: stores.checkpoints,
  });
  const inProcessOnce = async (withStores = false): Promise<number> => {
    const started = performance.now();
    const result = await runAgent(agent, 'count to four', { context, ...(withStores ? durable(`in-process-${started}`) : {}) });
    if (result.status !== 'COMPLETED' || result.iterations !== FIVE_STEPS_ITERATIONS) throw new Error(`in-process run ended ${result.status} after ${result.iterations} iterations`);
    return performance.now() - started;
  };
  const engineOnce = async (): Promise<EngineSample> => {
    const started = performance.now();
    const executionArn = await startExecution(bench, agentName, 'count to four');
    const execution = await waitForSuccess(bench, executionArn);
    const wall = performance.now() - started;
    const output = JSON.parse(execution.output ?? '{}') as { iterations?: number };
    if (output.iterations !== FIVE_STEPS_ITERATIONS) throw new Error(`engine run took ${output.iterations} iterations, expected ${FIVE_STEPS_ITERATIONS}`);
    const [scheduled] = containerScheduledTimes(await history(bench, executionArn));
    const events = await bench.engine.stores.events.read(executionArn);
    const [startDate, stopDate] = [execution.startDate!.getTime(), execution.stopDate!.getTime()];
    const [firstEvent, lastEvent] = [eventTime(events[0]), eventTime(events[events.length - 1])];
    return { wall, engine: stopDate - startDate, toScheduled: scheduled - startDate, toFirstEvent: firstEvent - scheduled, inContainer: lastEvent - firstEvent, lastEventToEnd: stopDate - lastEvent };
  };
  await inProcessOnce(); // warm up module caches and the JIT
  await engineOnce(); // warm up the file cache the first container reads
  await inProcessOnce(true);
  const inProcess: number[] = [];
  for (let run = 0; run < Repetitions.inProcess; run++) inProcess.push(await inProcessOnce());
  const inProcessDurable: number[] = [];
  for (let run = 0; run < Repetitions.inProcess; run++) inProcessDurable.push(await inProcessOnce(true));
  const engine: EngineSample[] = [];
  for (let run = 0; run < Repetitions.engine; run++) engine.push(await engineOnce());

  const inProcessMedian = median(inProcess);
  const engineMedian = median(engine.map((sample) => sample.wall));
  const part = (pick: (sample: EngineSample) => number): string => ms(median(engine.map(pick)));
  print(`1. a ${FIVE_STEPS_ITERATIONS}-iteration run (offline plan, 4 calls of a tool that returns at once, no approval):`);
  print(`   in process (runAgent, no checkpoints or event log), median of ${Repetitions.inProcess}: ${inProcessMedian.toFixed(2)} ms`);
  print(`   in process with the container's file checkpoints and event log (tools still in process), median of ${Repetitions.inProcess}: ${median(inProcessDurable).toFixed(1)} ms`);
  print(`   through the engine (StartExecution → DescribeExecution SUCCEEDED, polled every ${POLL_MS} ms), median of ${Repetitions.engine}: ${spread(engine.map((sample) => sample.wall))}`);
  print(`   orchestration overhead (engine − in process): ${ms(engineMedian - inProcessMedian)}`);
  print(`   where it goes, from the execution's history and event-log timestamps (medians of ${Repetitions.engine}):`);
  print(`     execution startDate → stopDate: ${part((sample) => sample.engine)}`);
  print(`       startDate → RunAgent TaskScheduled (input validation, workflow start): ${part((sample) => sample.toScheduled)}`);
  print(`       TaskScheduled → the container's first event (process start, module load, config load, checkpoint read): ${part((sample) => sample.toFirstEvent)}`);
  print(`       first → last event in the container (5 offline model steps, 4 Lambda-API tool calls, checkpoint + event log writes): ${part((sample) => sample.inContainer)}`);
  print(`       last event → stopDate (SendTaskSuccess, Choice, Succeed): ${part((sample) => sample.lastEventToEnd)}`);
  print(`   container start-up alone (child processes run to their end before the engine started, with the environment a container inherits, median of ${Repetitions.nodeStart}):`);
  print(`     node -e 0: ${ms(startUp.bareNode)}`);
  print(`     node + the container bundle (dist/agent-task/bundle.cjs and the framework in it; what containers load now): ${ms(startUp.loadBundle)}`);
  print(`     node + the bundle + the fixture config compiled ahead of time (what containers load now): ${ms(startUp.loadBundleAndCompiledConfig)}`);
  print(`     before the bundle: node + the compiled modules one by one (dist/agent-task/main.js, environment.js, turn.js, @aws-sdk/client-lambda) + the compiled config: ${ms(startUp.loadModulesAndCompiledConfig)}`);
  print(`     before issue 10: those modules + loadConfig(the TypeScript config, via jiti): ${ms(startUp.loadModulesAndConfig)}`);
}

/** Polls the event log until an event after `after` appears. */
async function firstEventAfter(bench: Bench, executionArn: string, after: number): Promise<LoggedEvent> {
  for (let waited = 0; waited < 60_000; waited += 5) {
    const [first] = await bench.engine.stores.events.read(executionArn, { after, limit: 1 });
    if (first) return first;
    await sleep(5);
  }
  throw new Error(`no event after seq ${after} of ${executionArn} within a minute`);
}

async function pendingApproval(bench: Bench, executionArn: string): Promise<StoredApproval> {
  for (let waited = 0; waited < 60_000; waited += POLL_MS) {
    const response = await fetch(`${bench.engine.endpoint}/approvals?executionArn=${encodeURIComponent(executionArn)}`);
    const { approvals } = (await response.json()) as { approvals: StoredApproval[] };
    if (approvals.length > 0) return approvals[0];
    await sleep(POLL_MS);
  }
  throw new Error(`no approval of ${executionArn} within a minute`);
}

async function approvalToResume(bench: Bench, agentName: string, print: (line: string) => void): Promise<void> {
  const once = async (): Promise<{ total: number; workflow: number; container: number; firstType: string }> => {
    const executionArn = await startExecution(bench, agentName, 'bench note');
    const approval = await pendingApproval(bench, executionArn);
    const [beforeResume] = (await bench.engine.stores.events.read(executionArn)).slice(-1);
    const sent = Date.now();
    counted(bench, await bench.sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true }) })));
    const first = await firstEventAfter(bench, executionArn, beforeResume?.seq ?? 0);
    await waitForSuccess(bench, executionArn);
    const resumeScheduled = containerScheduledTimes(await history(bench, executionArn))[1];
    return { total: eventTime(first) - sent, workflow: resumeScheduled - sent, container: eventTime(first) - resumeScheduled, firstType: first.event.type };
  };
  await once(); // warm up
  const samples: Awaited<ReturnType<typeof once>>[] = [];
  for (let run = 0; run < Repetitions.approval; run++) samples.push(await once());
  print(`2. approval-to-resume latency (SendTaskSuccess sent → the resumed container's first event, "${samples[0].firstType}", by its timestamp), median of ${Repetitions.approval}:`);
  print(`   ${spread(samples.map((sample) => sample.total))}`);
  print(`   of which SendTaskSuccess → RunAgent TaskScheduled (approval task, Map, back to RunAgent): ${ms(median(samples.map((sample) => sample.workflow)))}`);
  print(`   and RunAgent TaskScheduled → first event (the container starting): ${ms(median(samples.map((sample) => sample.container)))}`);
}

/** The agent containers this process runs now: children running the container entrypoint, with their RSS. */
function runningContainers(): { count: number; rssBytes: number; largestRssBytes: number; largestPeakRssBytes: number } {
  let count = 0;
  let rssBytes = 0;
  let largestRssBytes = 0;
  let largestPeakRssBytes = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) !== process.pid || state === 'Z') continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(path.join('agent-task', 'bundle.cjs'))) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      // The process's own high-water mark: its peak even between two samples.
      const peak = /^VmHWM:\s+(\d+) kB/m.exec(status);
      largestPeakRssBytes = Math.max(largestPeakRssBytes, peak ? Number(peak[1]) * 1024 : 0);
      count += 1;
      rssBytes += rss ? Number(rss[1]) * 1024 : 0;
      largestRssBytes = Math.max(largestRssBytes, rss ? Number(rss[1]) * 1024 : 0);
    } catch {
      // The process ended while we looked at it.
    }
  }
  return { count, rssBytes, largestRssBytes, largestPeakRssBytes };
}

interface ConcurrentRun {
  readonly wall: number;
  readonly perExecution: number[];
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly peakContainers: number;
  readonly peakContainerRss: number;
  /** The largest RSS one container reached in any sample. */
  readonly largestContainerRss: number;
  /** The largest peak RSS (VmHWM) of one container seen in any sample. */
  readonly largestContainerPeakRss: number;
}

async function concurrentExecutions(bench: Bench, agentName: string): Promise<ConcurrentRun> {
  const procAvailable = process.platform === 'linux';
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  let peakContainers = 0;
  let peakContainerRss = 0;
  let largestContainerRss = 0;
  let largestContainerPeakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (!procAvailable) return;
    const containers = runningContainers();
    peakContainers = Math.max(peakContainers, containers.count);
    peakContainerRss = Math.max(peakContainerRss, containers.rssBytes);
    largestContainerRss = Math.max(largestContainerRss, containers.largestRssBytes);
    largestContainerPeakRss = Math.max(largestContainerPeakRss, containers.largestPeakRssBytes);
  }, SAMPLE_MS);
  try {
    const started = performance.now();
    const arns = await Promise.all(Array.from({ length: CONCURRENT_EXECUTIONS }, (_, index) => startExecution(bench, agentName, `count to four (${index})`)));
    const executions: DescribeExecutionCommandOutput[] = [];
    for (let running = arns; running.length > 0; ) {
      const stillRunning: string[] = [];
      for (const arn of running) {
        const ended = await describeEnded(bench, arn);
        if (ended) executions.push(ended);
        else stillRunning.push(arn);
      }
      running = stillRunning;
      if (running.length > 0) await sleep(SAMPLE_MS);
    }
    const wall = performance.now() - started;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return { wall, perExecution: executions.map((execution) => execution.stopDate!.getTime() - execution.startDate!.getTime()), baselineRss, peakRss, peakContainers, peakContainerRss, largestContainerRss, largestContainerPeakRss };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the start: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`);
  const temporary = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-engine-'));
  let engine: LocalEngine | undefined;
  try {
    const startUp = await containerStartUp();
    const { config, path: configPath } = await loadConfig(FIXTURE);
    // STEPWISE_CONTAINER_V8=node measures the containers with Node's own V8 tuning instead of the engine's default, `lean`.
    const containerV8 = process.env[ContainerEnv.V8Tuning] ? parseContainerV8Tuning(process.env[ContainerEnv.V8Tuning]) : ContainerV8Tuning.Lean;
    console.log(`containers' V8 tuning (${ContainerEnv.V8Tuning}): ${containerV8}`);
    engine = await startProjectEngine({ config, configPath, root: path.join(temporary, '.stepwise'), workspace: { STEPWISE_OUTBOX_DIR: path.join(temporary, 'outbox') }, containerV8 });
    const sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const bench: Bench = { engine, sfn, retries: 0 };
    console.log(`local engine in this process at ${engine.endpoint}; containers are child processes (node ${path.relative(process.cwd(), agentTaskEntry())})`);

    await overheadOfFiveIterations(bench, 'five_steps', startUp, console.log);
    await approvalToResume(bench, 'publish_once', console.log);

    const run = await concurrentExecutions(bench, 'five_steps');
    const { bareNodeRss } = startUp;
    console.log(`3. ${CONCURRENT_EXECUTIONS} executions of the ${FIVE_STEPS_ITERATIONS}-iteration agent started at once (no approval; one round, polled every ${SAMPLE_MS} ms):`);
    console.log(`   all SUCCEEDED after ${ms(run.wall)}; per execution (startDate → stopDate) ${spread(run.perExecution)}`);
    console.log(`   engine process RSS: ${mib(run.baselineRss)} before, peak ${mib(run.peakRss)} (sampled every ${SAMPLE_MS} ms)`);
    console.log(`   containers (separate processes): at most ${run.peakContainers} running at once, their RSS summed at most ${mib(run.peakContainerRss)} (VmRSS from /proc), ${mib(run.peakContainerRss / Math.max(1, run.peakContainers))} per container; the largest one container reached: ${mib(run.largestContainerRss)} (its peak, VmHWM: ${mib(run.largestContainerPeakRss)}; node -e 0 alone: ${mib(bareNodeRss)})`);
    console.log(`   engine RSS growth (peak − before): ${mib(run.peakRss - run.baselineRss)}; the engine ran at most ${engine.maxContainers} containers at once (its default cap on this machine)`);
    console.log(`SDK retries during the bench (connection reset on a reused keep-alive socket): ${bench.retries}; load average at the end: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`);
  } finally {
    await engine?.stop();
    rmSync(temporary, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
