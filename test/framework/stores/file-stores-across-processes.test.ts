import { buildSync } from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileCheckpointStore, FileEventLog } from '../../../framework/stores';

let workDir: string;
let worker: string;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-processes-'));
  worker = path.join(workDir, 'store-worker.js');
  // The children run plain node: bundle the TypeScript worker (and the stores it imports) once.
  buildSync({ entryPoints: [path.join(__dirname, 'fixtures', 'store-worker.ts')], bundle: true, platform: 'node', target: 'node20', outfile: worker, logLevel: 'error' });
});

afterAll(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

function startWorker(...args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => (stderr ? `${stdout}\n${stderr}` : stdout), exited };
}

function committedSequences(output: string): number[] {
  return [...output.matchAll(/^committed (\d+)$/gm)].map((match) => Number(match[1]));
}

async function waitForCommits(output: () => string, count: number): Promise<void> {
  while (committedSequences(output()).length < count) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('file stores across processes', () => {
  it('keeps the last committed checkpoint readable when the writer is killed mid-save, and the next writer continues', async () => {
    // Prepare
    const directory = path.join(workDir, 'crash');
    const store = new FileCheckpointStore({ directory });
    let next = 1;
    // Kill at different points of a save: right after a commit is reported, or a little later.
    for (const [round, killAfter] of [3, 11, 7, 20, 5, 9, 4, 13, 6, 8].entries()) {
      const run = startWorker('checkpoint-loop', directory, 'arn:crash', String(next), String(next + 10_000));
      await waitForCommits(run.output, killAfter);
      await new Promise((resolve) => setTimeout(resolve, round % 4));
      // Act
      run.child.kill('SIGKILL');
      await run.exited;
      const committed = committedSequences(run.output());
      const lastReported = committed[committed.length - 1];
      const loaded = await store.load('arn:crash');
      // Assess: the save in flight may have committed before it could report
      expect(loaded).toBeDefined();
      expect([lastReported, lastReported + 1]).toContain(loaded?.sequence);
      expect(loaded?.state).toEqual({ sequence: loaded?.sequence, payload: 'x'.repeat(256 * 1024) });
      next = (loaded?.sequence ?? 0) + 1;
    }
    // The killed writers' lock and temp files do not stop a new writer.
    await store.save('arn:crash', { sequence: next, state: { done: true }, savedAt: new Date().toISOString() });
    await expect(store.load('arn:crash')).resolves.toMatchObject({ sequence: next, state: { done: true } });
    expect((await fs.readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('lets only one of two processes commit each sequence', async () => {
    // Prepare
    const directory = path.join(workDir, 'race');
    // Act
    const runs = [startWorker('checkpoint-race', directory, 'arn:race', '1', '300'), startWorker('checkpoint-race', directory, 'arn:race', '1', '300')];
    const codes = await Promise.all(runs.map((run) => run.exited));
    // Assess
    expect(codes).toEqual([0, 0]);
    const [first, second] = runs.map((run) => JSON.parse(run.output()) as number[]);
    expect(first.filter((sequence) => second.includes(sequence))).toEqual([]);
    expect(Math.max(...first, ...second)).toBe(300);
    await expect(new FileCheckpointStore({ directory }).load('arn:race')).resolves.toMatchObject({ sequence: 300 });
  });

  it('never gives two appending processes the same seq', async () => {
    // Prepare
    const directory = path.join(workDir, 'append');
    // Act
    const runs = [startWorker('append', directory, 'run-shared', '1', '200'), startWorker('append', directory, 'run-shared', '1', '200')];
    const codes = await Promise.all(runs.map((run) => run.exited));
    // Assess
    expect(codes).toEqual([0, 0]);
    const logged = await new FileEventLog({ directory }).read('run-shared');
    expect(logged.map((entry) => entry.seq)).toEqual(Array.from({ length: 400 }, (_, index) => index + 1));
    const pids = runs.map((run) => run.child.pid);
    for (const pid of pids) {
      const mine = logged.map((entry) => entry.event as unknown as { writer: number; n: number }).filter((event) => event.writer === pid);
      expect(mine.map((event) => event.n)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    }
  });
});
