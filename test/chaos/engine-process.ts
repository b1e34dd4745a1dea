import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const repositoryRoot = path.resolve(__dirname, '..', '..');

/** `stepwise dev` running in its own process, as a user runs it. */
export interface EngineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly endpoint: string;
  readonly output: string[];
}

/** How `stepwise dev` ended when it did not start listening. */
export interface EngineRefusal {
  readonly refused: true;
  readonly code: number | null;
  readonly output: string;
}

/**
 * Starts `stepwise dev --port 0` for `config` in `project` (its state goes to `<project>/.stepwise`)
 * and resolves once it prints its endpoint, or with how it exited when it never listened.
 */
export function startEngineProcess(project: string, config: string, timeoutMs = 90_000): Promise<EngineProcess | EngineRefusal> {
  const child = spawn(process.execPath, [path.join(repositoryRoot, 'bin', 'stepwise.js'), 'dev', '--port', '0', '--config', config], {
    cwd: project,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stepwise dev did not start within ${timeoutMs} ms:\n${output.join('')}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /Step Functions API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''));
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, endpoint: match[1], output });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) resolve({ refused: true, code, output: output.join('') });
    });
  });
}

/** `kill -9` of the engine: none of its shutdown code runs. */
export async function killEngine(engine: EngineProcess): Promise<void> {
  if (engine.child.exitCode !== null || engine.child.signalCode !== null) return;
  const exited = new Promise((resolve) => engine.child.once('exit', resolve));
  engine.child.kill('SIGKILL');
  await exited;
}

/** Stops the engine the way Ctrl-C does, and waits for it. */
export async function stopEngine(engine: EngineProcess): Promise<void> {
  if (engine.child.exitCode !== null || engine.child.signalCode !== null) return;
  const exited = new Promise((resolve) => engine.child.once('exit', resolve));
  engine.child.kill('SIGINT');
  const timer = setTimeout(() => engine.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Live agent containers (processes running the container entrypoint) whose execution is one of
 * `executionArns`, found in `/proc` (Linux), with their execution. The engine does not expose its
 * children; reading `/proc` keeps the chaos outside it.
 */
export function liveContainers(executionArns: ReadonlySet<string>, parentPid?: number): { pid: number; executionArn: string }[] {
  const found: { pid: number; executionArn: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || (parentPid !== undefined && Number(parent) !== parentPid)) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join('agent-task', 'bundle.cjs'))) continue;
      const variable = readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .find((line) => line.startsWith('STEPWISE_EXECUTION_ARN='));
      const executionArn = variable?.slice('STEPWISE_EXECUTION_ARN='.length);
      if (executionArn && executionArns.has(executionArn)) found.push({ pid, executionArn });
    } catch {
      // The process ended while we looked: it is not a live container.
    }
  }
  return found;
}
