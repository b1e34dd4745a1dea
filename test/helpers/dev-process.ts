import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repositoryRoot } from './cli';

/** `stepwise dev` running as a child process, as a user runs it in a terminal. */
export interface DevProcess {
  readonly endpoint: string;
  /** Everything it printed so far, stdout and stderr in the order they came. */
  output(): string;
  /** Resolves with the first line printed from `since` on (an index into `output()`) that matches. */
  waitForLine(pattern: RegExp, since?: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A project folder of its own outside the repository, with `stepwise-agents` (this repository)
 * and `zod` installed as a user has them.
 */
export function tempProject(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(repositoryRoot, path.join(dir, 'node_modules', 'stepwise-agents'), 'dir');
  symlinkSync(path.join(repositoryRoot, 'node_modules', 'zod'), path.join(dir, 'node_modules', 'zod'), 'dir');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the compiled `stepwise dev --port 0 …` in `cwd` and waits until it serves. */
export async function startDev(args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<DevProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(repositoryRoot, 'bin', 'stepwise.js'), 'dev', '--port', '0', ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitForLine = async (pattern: RegExp, since = 0, timeoutMs = 90_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = text.slice(since).split('\n').find((each) => pattern.test(each));
      if (line !== undefined) return line;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`stepwise dev printed no line matching ${pattern}${child.exitCode !== null ? ` (it exited with ${child.exitCode})` : ''}; it printed:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const consoleLine = await waitForLine(/Step Functions API/);
  return {
    endpoint: /http:\/\/127\.0\.0\.1:\d+/.exec(consoleLine)![0],
    output: () => text,
    waitForLine,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
