/**
 * What durability costs per ReAct iteration (issue 10's table): µs per iteration at K = 10, 50 and
 * 200 iterations with a zero-latency scripted model and one in-process echo tool (side effects, so
 * each iteration commits "call started" and "call completed"), through the public API:
 * - no checkpoint store (the loop alone);
 * - `MemoryCheckpointStore` (the journal's records serialized, nothing written to disk);
 * - `FileCheckpointStore` on the temp folder's disk (one append + fdatasync per commit);
 * the growth ratio K = 200 / K = 10, and the bytes written to the store per iteration.
 * Medians; asserts nothing. Run: npm run bench:durable
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defineAgent, defineTool, runAgent, type AppendOptions, type CheckpointStore, type JournalRecord, type StoredJournal } from '../framework';
import { FileCheckpointStore, MemoryCheckpointStore } from '../framework/stores';
import { scriptedModel } from '../framework/testing';
import { appendFloor, median } from './disk-floor.cjs';

const KS = [10, 50, 200] as const;
const RUNS: Record<number, number> = { 10: 41, 50: 15, 200: 7 };

/** Counts what a store is asked to write: records and snapshots, in bytes of JSON. */
class CountingStore implements CheckpointStore {
  bytes = 0;
  appends = 0;
  constructor(private readonly inner: CheckpointStore) {}
  load(key: string): Promise<StoredJournal | undefined> {
    return this.inner.load(key);
  }
  syncs = 0;
  append(key: string, records: readonly JournalRecord[], options?: AppendOptions): Promise<void> {
    this.appends += 1;
    if (!options?.deferSync) this.syncs += 1;
    for (const record of records) this.bytes += Buffer.byteLength(record.json);
    return this.inner.append(key, records, options);
  }
  compact(key: string, snapshot: JournalRecord): Promise<void> {
    this.bytes += Buffer.byteLength(snapshot.json);
    return this.inner.compact(key, snapshot);
  }
  release(key: string): Promise<void> {
    return this.inner.release(key);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

const echo = defineTool({ name: 'echo', description: 'Echoes', parameters: z.object({ n: z.number() }), execute: ({ n }) => ({ n, text: `echo ${n}` }) });

let runs = 0;
async function perIteration(iterations: number, store: CheckpointStore | undefined): Promise<number> {
  const model = scriptedModel((request, index) => (index < iterations - 1 ? { toolCalls: [{ name: 'echo', args: { n: index } }], usage: { inputTokens: 100, outputTokens: 20 } } : { text: 'done' }));
  const agent = defineAgent({ name: 'bench', description: 'bench', tools: [echo], model, maxIterations: iterations + 1 });
  runs += 1;
  const started = performance.now();
  const result = await runAgent(agent, 'loop', store ? { checkpointStore: store, runId: `run-${runs}` } : {});
  const elapsed = performance.now() - started;
  if (result.status !== 'COMPLETED' || result.iterations !== iterations) throw new Error(`bench run ended ${result.status} after ${result.iterations} iterations`);
  return (elapsed * 1000) / iterations;
}

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-durable-'));
  try {
    const floorBefore = appendFloor(folder);
    const file = new FileCheckpointStore({ directory: folder });
    const kinds: { name: string; store: () => CheckpointStore | undefined }[] = [
      { name: 'no checkpoint store', store: () => undefined },
      { name: 'MemoryCheckpointStore', store: () => new MemoryCheckpointStore() },
      { name: 'FileCheckpointStore (fdatasync)', store: () => file },
    ];
    // Warm up: ~1,000 iterations per store, so the loop runs optimized code before it is measured.
    for (const kind of kinds) for (let run = 0; run < 20; run++) await perIteration(50, kind.store());
    const table = new Map<string, Map<number, number>>();
    for (const kind of kinds) {
      const row = new Map<number, number>();
      for (const k of KS) {
        const samples: number[] = [];
        for (let run = 0; run < RUNS[k]; run++) samples.push(await perIteration(k, kind.store()));
        row.set(k, median(samples));
      }
      table.set(kind.name, row);
    }
    const bytes = new Map<number, { perIteration: number; appendsPerIteration: number; syncsPerIteration: number }>();
    for (const k of KS) {
      const counting = new CountingStore(file);
      await perIteration(k, counting);
      bytes.set(k, { perIteration: counting.bytes / k, appendsPerIteration: counting.appends / k, syncsPerIteration: counting.syncs / k });
    }
    const floorAfter = appendFloor(folder);
    const cpus = os.cpus();
    console.log(`machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; disk of ${os.tmpdir()}; load average ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`);
    console.log('µs per ReAct iteration (median; zero-latency scripted model, one in-process echo tool with side effects):');
    console.log(`  ${'store'.padEnd(34)}${KS.map((k) => `K = ${k}`.padStart(12)).join('')}${'K200/K10'.padStart(12)}`);
    for (const [name, row] of table) {
      console.log(`  ${name.padEnd(34)}${KS.map((k) => row.get(k)!.toFixed(0).padStart(12)).join('')}${(row.get(200)! / row.get(10)!).toFixed(2).padStart(12)}`);
    }
    console.log(`the floor on this disk: one 481-byte append + fdatasync, median of 200: ${floorBefore.toFixed(0)} µs before the runs, ${floorAfter.toFixed(0)} µs after`);
    console.log('bytes written to the store per iteration (records + snapshots, JSON), appends, and appends synced before they return (the others join the next sync):');
    for (const k of KS) {
      const figures = bytes.get(k)!;
      console.log(`  K = ${String(k).padEnd(4)} ${figures.perIteration.toFixed(0).padStart(7)} bytes, ${figures.appendsPerIteration.toFixed(2)} appends, ${figures.syncsPerIteration.toFixed(2)} synced`);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
