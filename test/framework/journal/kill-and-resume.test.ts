import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRunState, runAgent } from '../../../framework/internal';
import { FileCheckpointStore } from '../../../framework/stores';
import { PARCELS, courierAgent } from './fixtures/courier';

let workDir: string;
let courier: string;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-kill-resume-'));
  courier = path.join(workDir, 'courier.js');
  // The child runs plain node: bundle the TypeScript fixture (and the framework it imports) once.
  buildSync({ entryPoints: [path.join(__dirname, 'fixtures', 'courier.ts')], bundle: true, platform: 'node', target: 'node20', outfile: courier, logLevel: 'error' });
});

afterAll(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function counts(values: readonly string[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const value of values) result.set(value, (result.get(value) ?? 0) + 1);
  return result;
}

describe('a durable in-process run killed with kill -9 and resumed with { resume: runId }', () => {
  // After how many tool invocations the process is killed: whatever instant that lands on
  // (during a call, a commit, or a model step), the assertions below must hold.
  it.each([1, 4, 9, 14])('finishes the run with no completed call run twice and every delivery made once (killed after %i invocations)', async (killAfter) => {
    // Prepare
    const dir = await fs.mkdtemp(path.join(workDir, `kill-${killAfter}-`));
    const checkpoints = path.join(dir, 'checkpoints');
    const outbox = path.join(dir, 'outbox');
    await fs.mkdir(outbox);
    const invocations = path.join(outbox, 'invocations.log');
    const child = spawn(process.execPath, [courier, checkpoints, outbox, 'run-courier'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    let ended = false;
    void exited.then(() => (ended = true));
    while (!ended && lines(invocations).length < killAfter) await new Promise((resolve) => setTimeout(resolve, 1));
    child.kill('SIGKILL');
    const how = await exited;
    expect(how === 'SIGKILL' || output.includes('COMPLETED')).toBe(true);
    const store = new FileCheckpointStore({ directory: checkpoints });
    const atDeath = await loadRunState(store, 'run-courier');
    const completedAtDeath = Object.values(atDeath?.ledger ?? {}).filter((entry) => entry.status === 'completed');
    // Act
    const result = await runAgent(courierAgent(outbox), { resume: 'run-courier' }, { checkpointStore: store });
    // Assess
    expect(result).toMatchObject({ status: 'COMPLETED', answer: `delivered ${PARCELS} parcels` });
    const invoked = counts(lines(invocations));
    for (const entry of completedAtDeath) expect([entry.idempotencyKey, invoked.get(`${entry.tool} ${entry.idempotencyKey}`)]).toEqual([entry.idempotencyKey, 1]);
    // A delivery started but not committed is invoked again with the same key, and dedupes on it.
    for (const [call, times] of invoked) if (call.startsWith('deliver ')) expect([call, times <= 2]).toEqual([call, true]);
    const deliveries = lines(path.join(outbox, 'deliveries.log'));
    expect(deliveries).toHaveLength(PARCELS);
    expect(new Set(deliveries).size).toBe(PARCELS);
    expect(Object.values(result.state.ledger).filter((entry) => entry.tool === 'deliver' && entry.status === 'completed')).toHaveLength(PARCELS);
  });
});
