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
  it('keeps every committed record readable when the writer is killed mid-append or mid-compaction, and the next writer continues', async () => {
    // Prepare
    const directory = path.join(workDir, 'crash');
    let next = 1;
    // Kill at different points: right after a commit is reported, or a little later.
    for (const [round, killAfter] of [3, 11, 7, 20, 5, 9, 4, 13, 6, 8].entries()) {
      const run = startWorker('journal-loop', directory, 'arn:crash', String(next), String(next + 10_000));
      await waitForCommits(run.output, killAfter);
      await new Promise((resolve) => setTimeout(resolve, round % 4));
      // Act
      run.child.kill('SIGKILL');
      await run.exited;
      const committed = committedSequences(run.output());
      const lastReported = committed[committed.length - 1];
      const loaded = await new FileCheckpointStore({ directory }).load('arn:crash');
      // Assess: the append in flight may have committed before it could report
      expect(loaded).toBeDefined();
      expect([lastReported, lastReported + 1]).toContain(loaded?.lastSeq);
      const snapshotSeq = loaded?.snapshot?.sequence ?? 0;
      if (loaded?.snapshot) expect(loaded.snapshot.state).toEqual({ whole: snapshotSeq, payload: 'x'.repeat(64 * 1024) });
      expect(loaded?.records.map((record) => record.seq)).toEqual(Array.from({ length: (loaded?.lastSeq ?? 0) - snapshotSeq }, (_, index) => snapshotSeq + index + 1));
      for (const { seq, record } of loaded?.records ?? []) expect(record).toEqual({ seq, payload: 'x'.repeat(64 * 1024) });
      next = (loaded?.lastSeq ?? 0) + 1;
    }
    // The killed writers' lock and temp files do not stop a new writer.
    const store = new FileCheckpointStore({ directory });
    await store.append('arn:crash', [{ seq: next, json: '{"done":true}' }]);
    await store.release('arn:crash');
    await expect(store.load('arn:crash')).resolves.toMatchObject({ lastSeq: next });
    expect((await fs.readdir(directory)).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'))).toEqual([]);
  });

  it('lets only one of two processes append each sequence', async () => {
    // Prepare
    const directory = path.join(workDir, 'race');
    // Act
    const runs = [startWorker('journal-race', directory, 'arn:race', '1', '150'), startWorker('journal-race', directory, 'arn:race', '1', '150')];
    const codes = await Promise.all(runs.map((run) => run.exited));
    // Assess
    expect(codes).toEqual([0, 0]);
    const [first, second] = runs.map((run) => JSON.parse(run.output()) as number[]);
    expect(first.filter((sequence) => second.includes(sequence))).toEqual([]);
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, index) => index + 1));
    const loaded = await new FileCheckpointStore({ directory }).load('arn:race');
    expect(loaded?.records.map((record) => record.seq)).toEqual(Array.from({ length: 150 }, (_, index) => index + 1));
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
