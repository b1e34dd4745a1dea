/**
 * What streaming and the lazy Bedrock client buy, and what they cost:
 * - a streamed answer through the runner: time to its first words vs to the whole answer, and how
 *   many `model.delta` events (durable log records) the coalescing writes for it;
 * - how long requiring the Bedrock client takes: what an agent on any other model does not pay at
 *   container start.
 * Prints figures; asserts nothing. Run: npm run bench:models (after npm run build)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { EventType, defineAgent, openAIModel, runAgent } from '../framework';
import { startFakeOpenAI } from '../test/helpers/fake-openai-server';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** A 2,400-character answer in 4-character chunks, one every 10 ms: about 100 tokens a second. */
async function streamedAnswer(): Promise<{ chunks: number; deltas: number; firstMs: number; wholeMs: number }> {
  const answer = 'Batteries shift solar power into the evening peak. '.repeat(48).slice(0, 2_400);
  const server = await startFakeOpenAI([{ content: answer, chunkChars: 4, chunkDelayMs: 10 }]);
  try {
    const agent = defineAgent({ name: 'bench', description: 'bench', tools: [] });
    let first = 0;
    let deltas = 0;
    const started = performance.now();
    const result = await runAgent(agent, 'answer', {
      model: openAIModel({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: 'k' }),
      onEvent: (event) => {
        if (event.type !== EventType.TextDelta) return;
        deltas += 1;
        first ||= performance.now() - started;
      },
    });
    if (result.status !== 'COMPLETED') throw new Error(`bench run ended ${result.status}`);
    return { chunks: Math.ceil(answer.length / 4), deltas, firstMs: first, wholeMs: performance.now() - started };
  } finally {
    await server.close();
  }
}

/** Time to require `measured` in a fresh process that has already loaded `before`. */
function requireMs(before: readonly string[], measured: string): number {
  const script = `${before.map((module) => `require(${JSON.stringify(module)});`).join(' ')} const t = performance.now(); require(${JSON.stringify(measured)}); console.log(performance.now() - t);`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.resolve(__dirname, '..') });
  return Number(result.stdout.trim());
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`);
  const runs = [];
  for (let run = 0; run < 5; run++) runs.push(await streamedAnswer());
  console.log(`streamed answer (${runs[0].chunks} chunks over ~${((runs[0].chunks * 10) / 1000).toFixed(1)} s):`);
  console.log(`  first words after ${median(runs.map((run) => run.firstMs)).toFixed(0)} ms, whole answer after ${median(runs.map((run) => run.wholeMs)).toFixed(0)} ms`);
  console.log(`  model.delta events written: ${median(runs.map((run) => run.deltas))} (one per chunk would be ${runs[0].chunks})`);
  const framework = path.resolve(__dirname, '..', 'dist', 'framework');
  const frameworkMs = median(Array.from({ length: 9 }, () => requireMs([], framework)));
  const bedrockMs = median(Array.from({ length: 9 }, () => requireMs([framework], '@aws-sdk/client-bedrock-runtime')));
  console.log(`require the framework: ${frameworkMs.toFixed(0)} ms; then the Bedrock client: +${bedrockMs.toFixed(0)} ms, paid only by agents on bedrock: (medians of 9 processes)`);
  console.log(`load average at the end ${os.loadavg()[0].toFixed(2)}`);
}

void main();
