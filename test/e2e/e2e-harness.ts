import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { loadConfig, type LoadedConfig, type LoggedEvent, type StoredApproval } from '../../framework/internal';
import { stateMachineArn, startProjectEngine, type LocalEngine, type ProjectEngineOptions } from '../../local';
import { repositoryRoot } from '../helpers/cli';
import { LedgerFiles } from '../fixtures/e2e-ledger.config';

/** The fixture every end-to-end test runs: offline plans, tools that count what really ran. */
export const LEDGER_CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'e2e-ledger.config.ts');

export const fakeCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The official Step Functions client, pointed at the engine. */
export const sfnClient = (engine: LocalEngine): SFNClient => new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: fakeCredentials, maxAttempts: 1 });

const loaded = new Map<string, Promise<LoadedConfig>>();

/** A fresh temporary project folder: the engine's state and the tools' outbox live under it. */
export function temporaryProject(): { root: string; outbox: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'stepwise-e2e-'));
  return { root, outbox: path.join(root, 'outbox'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Starts the project engine for the fixture config on `root`, with retries that do not wait. */
export function startLedgerEngine(root: string, options: Partial<ProjectEngineOptions> = {}): Promise<LocalEngine> {
  return startFixtureEngine(LEDGER_CONFIG, root, options);
}

/** Starts the project engine for a fixture config on `root`, with retries that do not wait. */
export async function startFixtureEngine(configFile: string, root: string, options: Partial<ProjectEngineOptions> = {}): Promise<LocalEngine> {
  if (!loaded.has(configFile)) loaded.set(configFile, loadConfig(configFile));
  const { config, path: configPath } = await loaded.get(configFile)!;
  return startProjectEngine({
    config,
    configPath,
    root: path.join(root, '.stepwise'),
    workspace: { STEPWISE_OUTBOX_DIR: path.join(root, 'outbox') },
    retryIntervalOverrides: { RunAgent: 0 },
    ...options,
  });
}

/** StartExecution of an agent of the fixture; `input` is sent as given (objects are JSON-encoded). */
export async function startAgent(sfn: SFNClient, agent: string, input: unknown, name?: string): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stateMachineArn(agent), name, input: typeof input === 'string' ? input : JSON.stringify(input) }),
  );
  return executionArn!;
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false`, and fails with `what`
 * after `timeoutMs` (a bound, not a timing assertion).
 */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, options: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** DescribeExecution until the execution is no longer RUNNING. */
export function waitForEnd(sfn: SFNClient, executionArn: string, timeoutMs = 30_000): Promise<DescribeExecutionCommandOutput> {
  return waitFor(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status !== 'RUNNING' && execution;
    },
    { timeoutMs, what: `${executionArn} to end` },
  );
}

/** The pending approvals of an execution, as `GET <endpoint>/approvals` lists them (with their task tokens). */
export async function listedApprovals(endpoint: string, executionArn?: string): Promise<StoredApproval[]> {
  const query = executionArn ? `?executionArn=${encodeURIComponent(executionArn)}` : '';
  const response = await fetch(`${endpoint}/approvals${query}`);
  if (!response.ok) throw new Error(`GET /approvals answered HTTP ${response.status}`);
  return ((await response.json()) as { approvals: StoredApproval[] }).approvals;
}

/** Waits until the execution has exactly one pending approval, and returns it. */
export function pendingApproval(engine: LocalEngine, executionArn: string): Promise<StoredApproval> {
  return waitFor(
    async () => {
      const approvals = await listedApprovals(engine.endpoint, executionArn);
      return approvals.length === 1 && approvals[0];
    },
    { what: `an approval of ${executionArn}` },
  );
}

/** The progress events the container logged for an execution. */
export const progressEvents = (engine: LocalEngine, executionArn: string): Promise<LoggedEvent[]> => engine.stores.events.read(executionArn);

/** The lines of one of the fixture's outbox files (none when it does not exist). */
export function outboxLines(outbox: string, file: (typeof LedgerFiles)[keyof typeof LedgerFiles] | (string & {})): string[] {
  const full = path.join(outbox, file);
  if (!existsSync(full)) return [];
  return readFileSync(full, 'utf8').split('\n').filter(Boolean);
}

/** How many times each line occurs. */
export function countLines(lines: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

/**
 * The pids of the live agent containers this process started for an execution, found in `/proc`
 * (Linux): children of this process running the container entrypoint with that execution's ARN.
 * The engine does not expose its child processes; reading `/proc` keeps the test outside it.
 */
export function containerPids(executionArn: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => isOurContainer(pid, executionArn));
}

/** Whether `pid` is a live agent container started by this process (for `executionArn`, when given). */
export function isOurContainer(pid: number, executionArn?: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(parent) !== process.pid || state === 'Z') return false;
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join('agent-task', 'bundle.cjs'))) return false;
    return executionArn === undefined || readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`STEPWISE_EXECUTION_ARN=${executionArn}`);
  } catch {
    // The process ended while we looked: it is not a live container.
    return false;
  }
}

/** Waits for the one live container of an execution and returns its pid. */
export const theContainer = (executionArn: string): Promise<number> =>
  waitFor(
    () => {
      const pids = containerPids(executionArn);
      return pids.length === 1 && pids[0];
    },
    { what: `the container of ${executionArn}` },
  );

export { seededRandom } from '../helpers/seeded-random';
