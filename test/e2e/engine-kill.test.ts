import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand, RedriveExecutionCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createStores, type StepwiseEvent } from '../../framework/internal';

/**
 * `kill -9` of the engine process at ten moments of a run that has an approval and a side effect:
 * every execution must still finish (restart, redrive, approve), and its side effect must happen
 * exactly once. The engine runs as `stepwise dev` in its own process, as a user runs it; the test
 * talks to it only over its APIs and reads only the files a user could read.
 */

const repositoryRoot = path.resolve(__dirname, '..', '..');
const CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'e2e-ledger.config.ts');
const AGENT = 'careful';

interface EngineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly endpoint: string;
  readonly output: string[];
}

/** Starts `stepwise dev` on a free port in `project` and resolves once it answers. */
function startEngineProcess(project: string): Promise<EngineProcess> {
  const child = spawn(process.execPath, [path.join(repositoryRoot, 'bin', 'stepwise.js'), 'dev', '--port', '0', '--config', CONFIG], {
    cwd: project,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stepwise dev did not start:\n${output.join('')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /Step Functions API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve({ child, endpoint: match[1], output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stepwise dev exited with ${code}:\n${output.join('')}`));
    });
  });
}

/** `kill -9` of the engine: no shutdown code of its own runs. */
async function killEngine(engine: EngineProcess): Promise<void> {
  const exited = new Promise((resolve) => engine.child.once('exit', resolve));
  engine.child.kill('SIGKILL');
  await exited;
}

/** Live agent containers of an execution, found in /proc (Linux): whoever their parent is. */
function containersOf(executionArn: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join('agent-task', 'bundle.cjs'))) return false;
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`STEPWISE_EXECUTION_ARN=${executionArn}`);
      } catch {
        return false;
      }
    });
}

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Approval {
  readonly approvalId: string;
  readonly taskToken: string;
}

async function pendingApprovals(endpoint: string, executionArn: string): Promise<Approval[]> {
  const response = await fetch(`${endpoint}/approvals?executionArn=${encodeURIComponent(executionArn)}`);
  return ((await response.json()) as { approvals: Approval[] }).approvals;
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** A moment of the run: what to wait for before the engine is killed. */
interface Moment {
  readonly name: string;
  /** Resolves once the run has reached the moment; may act on the run first (approve). */
  readonly reach: (run: RunProbe) => Promise<unknown>;
}

interface RunProbe {
  readonly executionArn: string;
  readonly endpoint: string;
  readonly sfn: SFNClient;
  events(): Promise<StepwiseEvent[]>;
  invocations(): string[];
  effectFiles(): string[];
  approve(): Promise<void>;
}

const eventOf = (type: string, tool?: string) => async (run: RunProbe) =>
  until(async () => (await run.events()).some((event) => event.type === type && (tool === undefined || (event as { tool?: string }).tool === tool)), `${type}${tool ? ` ${tool}` : ''}`);

const MOMENTS: readonly Moment[] = [
  { name: 'right after StartExecution', reach: async () => undefined },
  { name: 'while the first container starts', reach: (run) => until(() => containersOf(run.executionArn).length > 0, 'the container') },
  { name: 'while the lookup runs', reach: eventOf('tool.called', 'lookup') },
  { name: 'after the lookup completed', reach: eventOf('tool.completed', 'lookup') },
  { name: 'while the container reports the pause', reach: eventOf('approval.requested') },
  { name: 'while the approval waits for a human', reach: (run) => until(async () => (await pendingApprovals(run.endpoint, run.executionArn)).length > 0, 'the approval') },
  { name: 'right after the approval was answered', reach: async (run) => run.approve() },
  {
    name: 'while the second turn starts',
    reach: async (run) => {
      await run.approve();
      return until(async () => (await run.events()).filter((event) => event.type === 'run.started').length >= 2, 'the second turn');
    },
  },
  {
    name: 'in the middle of the side effect',
    reach: async (run) => {
      await run.approve();
      return until(() => run.invocations().length > 0, 'the side effect to start');
    },
  },
  {
    name: 'after the side effect, before the run reported',
    reach: async (run) => {
      await run.approve();
      return until(() => run.effectFiles().length > 0, 'the side effect');
    },
  },
];

describe('kill -9 of the engine at ten moments of a run with an approval and a side effect', () => {
  let project: string;
  let engine: EngineProcess | undefined;
  const outcomes: { moment: string; status?: string; effects?: number; invocations?: number; containersLeft?: number }[] = [];

  beforeAll(async () => {
    project = mkdtempSync(path.join(tmpdir(), 'stepwise-kill-'));
    engine = await startEngineProcess(project);
  }, 90_000);

  afterAll(async () => {
    if (engine) await killEngine(engine);
    // The figures of the closing note: one line per moment.
    process.stdout.write(`engine-kill outcomes: ${JSON.stringify(outcomes)}\n`);
    rmSync(project, { recursive: true, force: true });
  });

  it.each(MOMENTS.map((moment, index) => [index + 1, moment.name, moment] as const))('moment %i (%s): restart, redrive and approve finish the run, with the side effect exactly once', async (_index, name, moment) => {
    const root = path.join(project, '.stepwise');
    const outbox = path.join(root, 'outbox');
    const stores = createStores({ kind: 'file', root });
    let sfn = new SFNClient({ endpoint: engine!.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${AGENT}`, input: JSON.stringify({ task: `moment ${_index}` }) }),
    );
    const keyed = (key: string) => key.startsWith(`${executionArn!}:`);
    let approved = false;
    const probe = (endpoint: string): RunProbe => ({
      executionArn: executionArn!,
      endpoint,
      sfn,
      events: async () => (await stores.events.read(executionArn!)).map((logged) => logged.event),
      invocations: () => lines(path.join(outbox, 'invocations.log')).filter(keyed),
      effectFiles: () => (existsSync(path.join(outbox, 'side-effects')) ? readdirSync(path.join(outbox, 'side-effects')).map(decodeURIComponent).filter(keyed) : []),
      approve: async () => {
        const [approval] = await until(async () => {
          const listed = await pendingApprovals(endpoint, executionArn!);
          return listed.length > 0 && listed;
        }, 'an approval to answer');
        await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true }) }));
        approved = true;
      },
    });

    await moment.reach(probe(engine!.endpoint));
    await killEngine(engine!);
    engine = undefined;

    // Its containers die with it: none goes on calling tools through an API that is gone.
    await until(() => containersOf(executionArn!).length === 0, 'the containers of the killed engine to exit', 15_000);
    engine = await startEngineProcess(project);
    sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const run = probe(engine.endpoint);
    const finished = await until(
      async () => {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (execution.status === 'SUCCEEDED') return execution;
        if (execution.status !== 'RUNNING') {
          // Stopped under a turn: redrive resumes it from its last checkpoint.
          expect(execution).toMatchObject({ error: 'Stepwise.EngineRestarted', redriveStatus: 'REDRIVABLE' });
          await sfn.send(new RedriveExecutionCommand({ executionArn }));
          return undefined;
        }
        if (!approved && (await pendingApprovals(engine!.endpoint, executionArn!)).length > 0) await run.approve();
        return undefined;
      },
      `${executionArn} to succeed`,
      90_000,
    );

    const effects = run.effectFiles();
    const effectLines = effects.flatMap((key) => lines(path.join(outbox, 'side-effects', encodeURIComponent(key))));
    outcomes.push({ moment: name, status: finished.status, effects: effectLines.length, invocations: run.invocations().length, containersLeft: containersOf(executionArn!).length });
    expect(finished.status).toBe('SUCCEEDED');
    // One call, one idempotency key, one effect: never a second call under a new id, never a repeat.
    expect(effects).toHaveLength(1);
    expect(effectLines).toEqual([`entry: moment ${_index}`]);
    expect(JSON.parse(finished.output!).answer).toMatch(/record_effect=\{"written":"entry: moment \d+"/);
    await until(() => containersOf(executionArn!).length === 0, 'the last container to exit', 15_000);
  }, 180_000);
});
