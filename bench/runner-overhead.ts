/**
 * Framework overhead of the ReAct loop, with no model or tool latency to hide it:
 * - median time per iteration with a zero-latency scripted model and an in-process tool;
 * - wall time of 8 tool calls of 100 ms each in one turn, run in parallel vs one at a time.
 * Prints figures; asserts nothing. Run: npm run bench:runner
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineAgent, defineTool, runAgent } from '../framework';
import { scriptedModel } from '../framework/testing';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const echo = defineTool({ name: 'echo', description: 'Echoes', parameters: z.object({ n: z.number() }), execute: ({ n }) => ({ n }) });
const slow = defineTool({ name: 'slow', description: 'Takes 100 ms', parameters: z.object({ n: z.number() }), execute: async ({ n }) => { await sleep(100); return { n }; } });

async function perIterationOverhead(iterations: number, checkpoint = true): Promise<number> {
  const model = scriptedModel((request, index) => (index < iterations - 1 ? { toolCalls: [{ name: 'echo', args: { n: index } }], usage: { inputTokens: 100, outputTokens: 20 } } : { text: 'done' }));
  const agent = defineAgent({ name: 'bench', description: 'bench', tools: [echo], model, maxIterations: iterations + 1 });
  const started = performance.now();
  const result = await runAgent(agent, 'loop', checkpoint ? { onCheckpoint: async (state) => void JSON.stringify(state.toJSON()) } : {});
  if (result.status !== 'COMPLETED') throw new Error(`bench run ended ${result.status}`);
  return (performance.now() - started) / iterations;
}

async function parallelWallTime(concurrency: number): Promise<number> {
  const calls = Array.from({ length: 8 }, (_, n) => ({ name: 'slow', args: { n } }));
  const model = scriptedModel([{ toolCalls: calls }, { text: 'done' }]);
  const agent = defineAgent({ name: 'bench', description: 'bench', tools: [slow], model });
  const started = performance.now();
  await runAgent(agent, 'fan out', { toolConcurrency: concurrency });
  return performance.now() - started;
}

async function main(): Promise<void> {
  await perIterationOverhead(50); // warm up
  const sample = async (iterations: number, checkpoint: boolean): Promise<number> => {
    const samples: number[] = [];
    for (let run = 0; run < 15; run++) samples.push(await perIterationOverhead(iterations, checkpoint));
    return median(samples);
  };
  const rows = [];
  for (const iterations of [20, 200]) {
    rows.push(`  ${String(iterations).padStart(3)} iterations: ${(await sample(iterations, false)).toFixed(3)} ms without checkpoints, ${(await sample(iterations, true)).toFixed(3)} ms with the state serialized at every checkpoint`);
  }
  const parallel = median([await parallelWallTime(8), await parallelWallTime(8), await parallelWallTime(8)]);
  const defaultBound = median([await parallelWallTime(4), await parallelWallTime(4), await parallelWallTime(4)]);
  const sequential = median([await parallelWallTime(1), await parallelWallTime(1), await parallelWallTime(1)]);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log('runner overhead per iteration (median of 15 runs; zero-latency scripted model, in-process tool):');
  for (const row of rows) console.log(row);
  console.log(`8 tool calls × 100 ms, parallel (concurrency 8): ${parallel.toFixed(0)} ms`);
  console.log(`8 tool calls × 100 ms, default bound (concurrency 4): ${defaultBound.toFixed(0)} ms`);
  console.log(`8 tool calls × 100 ms, sequential (concurrency 1): ${sequential.toFixed(0)} ms`);
}

void main();
