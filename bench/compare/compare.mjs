/**
 * The same ReAct workload in Stepwise and in the frameworks users would pick instead (issue 10's
 * comparison, measured here rather than cited): a zero-latency model, one in-process echo tool, K
 * iterations where the model calls the tool once per iteration and answers on the last one
 * (K model calls, K - 1 tool executions). Prints µs per iteration (median of several runs after a
 * warm-up) at K = 10, 50 and 200 for:
 * - Stepwise (this repository's compiled `dist/`, so run `npm run build` first), through the public
 *   `runAgent`: no checkpoint store, `MemoryCheckpointStore`, `FileCheckpointStore` (fdatasync);
 * - Vercel AI SDK 6: `generateText` with `stopWhen: stepCountIs(K + 1)`;
 * - OpenAI Agents JS: `run(agent, task, { maxTurns: K + 1 })`, tracing disabled;
 * - LangGraph.js: the prebuilt `createReactAgent`, with no checkpointer and with `MemorySaver`.
 * Each model is hand-written for its framework's model interface and answers at once, with the
 * same usage figures; each tool returns the same object. Every run is checked: K model calls,
 * K - 1 tool executions and the final answer, so no framework is timed doing less.
 * Each variant runs in its own Node process (its own warm-up, no JIT or heap shared with the
 * others), kept alive for the whole bench; the parent interleaves them run by run (round r: every
 * variant does one run at each K), so a change in the machine's load falls on all of them alike.
 * Per-run clean-up that a long-lived application would do too (deleting the run from the file
 * store, the thread from `MemorySaver`) happens after the timing. Printed: the median and the
 * fastest run (on a shared machine the fastest is the better estimate of the work itself).
 * Options: `--only <text>` runs the variants whose name contains it; `--gc-before-run` forces a
 * full garbage collection before each timed run (which also discards compiled code and type
 * feedback, so every framework runs partly cold; off by default); `COMPARE_QUICK=1` does a few
 * runs only (to check the script, not to quote). Asserts nothing about speed.
 * Run from the repository: npm run bench:compare (builds Stepwise, installs this package, runs).
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendFloor as appendFloorIn, median } from '../disk-floor.cjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const KS = [10, 50, 200];
const GC_BEFORE_RUN = process.argv.includes('--gc-before-run');
/** Timed runs per K (the median is reported); fewer at large K, where one run lasts longer. */
const RUNS = process.env.COMPARE_QUICK ? { 10: 3, 50: 2, 200: 1 } : { 10: 41, 50: 15, 200: 7 };
const WARM_UP = process.env.COMPARE_QUICK ? { 10: 1, 50: 1, 200: 0 } : { 10: 5, 50: 5, 200: 1 };
const USAGE = { inputTokens: 100, outputTokens: 20 };
const TASK = 'loop';
const ANSWER = 'done';

/** What the echo tool returns in every framework. */
const echoResult = (n) => ({ n, text: `echo ${n}` });

/** Counts one run's model calls and tool executions, to check that each framework did the whole run. */
function newCounter() {
  return { modelCalls: 0, toolExecutions: 0 };
}

function check(name, k, counter, answer) {
  if (counter.modelCalls !== k || counter.toolExecutions !== k - 1 || answer !== ANSWER) {
    throw new Error(`${name} at K = ${k}: ${counter.modelCalls} model calls, ${counter.toolExecutions} tool executions, answer ${JSON.stringify(answer)}; expected ${k}, ${k - 1}, ${JSON.stringify(ANSWER)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The variants. Each `setup()` loads its framework and returns `run(k)`, which does one whole run
// of k iterations and throws unless it did exactly that.

async function stepwise(storeKind) {
  const requireFromRepo = createRequire(path.join(REPO, 'package.json'));
  const { defineAgent, defineTool, runAgent, MemoryCheckpointStore, FileCheckpointStore } = requireFromRepo('./dist/framework/index.js');
  const { z } = requireFromRepo('zod'); // the zod Stepwise itself resolves
  let counter = newCounter();
  const echo = defineTool({
    name: 'echo',
    description: 'Echoes',
    parameters: z.object({ n: z.number() }),
    execute: ({ n }) => {
      counter.toolExecutions += 1;
      return echoResult(n);
    },
  });
  let k = 0;
  /** A Stepwise `Model` that answers at once: a tool call until the last iteration. */
  const model = {
    id: 'zero-latency',
    async generate() {
      const index = counter.modelCalls++;
      return index < k - 1
        ? { text: '', toolCalls: [{ id: `call_${index + 1}`, name: 'echo', arguments: JSON.stringify({ n: index }) }], usage: USAGE, model: 'zero-latency' }
        : { text: ANSWER, toolCalls: [], usage: USAGE, model: 'zero-latency' };
    },
  };
  const agent = defineAgent({ name: 'bench', description: 'bench', tools: [echo], model, maxIterations: 1000 });
  const folder = storeKind === 'file' ? mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-compare-')) : undefined;
  const fileStore = folder ? new FileCheckpointStore({ directory: folder }) : undefined;
  let runs = 0;
  return {
    async run(iterations) {
      counter = newCounter();
      k = iterations;
      runs += 1;
      const store = storeKind === 'memory' ? new MemoryCheckpointStore() : fileStore;
      const result = await runAgent(agent, TASK, store ? { checkpointStore: store, runId: `run-${runs}` } : {});
      if (result.status !== 'COMPLETED' || result.iterations !== iterations) throw new Error(`Stepwise run ended ${result.status} after ${result.iterations} iterations`);
      check('Stepwise', iterations, counter, result.answer);
    },
    async afterRun() {
      await fileStore?.delete(`run-${runs}`); // not timed: keeps the folder small
    },
    cleanUp() {
      if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}

async function vercelAiSdk() {
  const { generateText, stepCountIs, tool } = await import('ai');
  const { z } = await import('zod');
  let counter = newCounter();
  let k = 0;
  const usage = {
    inputTokens: { total: USAGE.inputTokens, noCache: USAGE.inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: USAGE.outputTokens, text: USAGE.outputTokens, reasoning: undefined },
  };
  /** A LanguageModelV3 that answers at once (what `MockLanguageModelV3` from `ai/test` does, minus its call log). */
  const model = {
    specificationVersion: 'v3',
    provider: 'zero-latency',
    modelId: 'zero-latency',
    supportedUrls: {},
    async doGenerate() {
      const index = counter.modelCalls++;
      if (index < k - 1) {
        return { content: [{ type: 'tool-call', toolCallId: `call_${index + 1}`, toolName: 'echo', input: JSON.stringify({ n: index }) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] };
      }
      return { content: [{ type: 'text', text: ANSWER }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
    },
    async doStream() {
      throw new Error('the bench calls generateText, not streamText');
    },
  };
  const tools = {
    echo: tool({
      description: 'Echoes',
      inputSchema: z.object({ n: z.number() }),
      execute: async ({ n }) => {
        counter.toolExecutions += 1;
        return echoResult(n);
      },
    }),
  };
  return {
    async run(iterations) {
      counter = newCounter();
      k = iterations;
      const result = await generateText({ model, tools, prompt: TASK, stopWhen: stepCountIs(iterations + 1) });
      if (result.steps.length !== iterations) throw new Error(`AI SDK run took ${result.steps.length} steps`);
      check('Vercel AI SDK', iterations, counter, result.text);
    },
  };
}

async function openAiAgents() {
  const { Agent, Usage, run, setTracingDisabled, tool } = await import('@openai/agents');
  const { z } = await import('zod');
  setTracingDisabled(true);
  let counter = newCounter();
  let k = 0;
  /** A `Model` that answers at once: a function call until the last turn, then an assistant message. */
  const model = {
    async getResponse() {
      const index = counter.modelCalls++;
      const usage = new Usage({ requests: 1, inputTokens: USAGE.inputTokens, outputTokens: USAGE.outputTokens, totalTokens: USAGE.inputTokens + USAGE.outputTokens });
      const output =
        index < k - 1
          ? [{ type: 'function_call', callId: `call_${index + 1}`, name: 'echo', arguments: JSON.stringify({ n: index }), status: 'completed' }]
          : [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: ANSWER }] }];
      return { usage, output, responseId: `response_${index + 1}` };
    },
    // eslint-disable-next-line require-yield
    async *getStreamedResponse() {
      throw new Error('the bench calls run() without streaming');
    },
  };
  const echo = tool({
    name: 'echo',
    description: 'Echoes',
    parameters: z.object({ n: z.number() }),
    execute: async ({ n }) => {
      counter.toolExecutions += 1;
      return echoResult(n);
    },
  });
  const agent = new Agent({ name: 'bench', instructions: 'bench', model, tools: [echo] });
  return {
    async run(iterations) {
      counter = newCounter();
      k = iterations;
      const result = await run(agent, TASK, { maxTurns: iterations + 1 });
      check('OpenAI Agents JS', iterations, counter, result.finalOutput);
    },
  };
}

async function langGraph(withMemorySaver) {
  const { BaseChatModel } = await import('@langchain/core/language_models/chat_models');
  const { AIMessage } = await import('@langchain/core/messages');
  const { tool } = await import('@langchain/core/tools');
  const { MemorySaver } = await import('@langchain/langgraph');
  const { createReactAgent } = await import('@langchain/langgraph/prebuilt');
  const { z } = await import('zod');
  let counter = newCounter();
  let k = 0;
  const usage_metadata = { input_tokens: USAGE.inputTokens, output_tokens: USAGE.outputTokens, total_tokens: USAGE.inputTokens + USAGE.outputTokens };
  /** A chat model that answers at once; `bindTools` returns itself (no per-call tool formatting, which favours LangGraph). */
  class ZeroLatencyChatModel extends BaseChatModel {
    _llmType() {
      return 'zero-latency';
    }
    bindTools() {
      return this;
    }
    async _generate() {
      const index = counter.modelCalls++;
      const message =
        index < k - 1
          ? new AIMessage({ content: '', tool_calls: [{ id: `call_${index + 1}`, name: 'echo', args: { n: index }, type: 'tool_call' }], usage_metadata })
          : new AIMessage({ content: ANSWER, usage_metadata });
      return { generations: [{ text: typeof message.content === 'string' ? message.content : '', message }] };
    }
  }
  const echo = tool(
    async ({ n }) => {
      counter.toolExecutions += 1;
      return JSON.stringify(echoResult(n)); // a LangChain tool's result becomes a ToolMessage's content
    },
    { name: 'echo', description: 'Echoes', schema: z.object({ n: z.number() }) },
  );
  const saver = withMemorySaver ? new MemorySaver() : undefined;
  const agent = createReactAgent({ llm: new ZeroLatencyChatModel({}), tools: [echo], ...(saver ? { checkpointSaver: saver } : {}) });
  let runs = 0;
  return {
    async run(iterations) {
      counter = newCounter();
      k = iterations;
      runs += 1;
      // Each model call and each tool call is one graph step; the default limit (25) would stop K = 50.
      const result = await agent.invoke({ messages: [{ role: 'user', content: TASK }] }, { recursionLimit: 2 * iterations + 10, configurable: { thread_id: `thread-${runs}` } });
      const last = result.messages.at(-1);
      if (result.messages.length !== 2 * iterations) throw new Error(`LangGraph run ended with ${result.messages.length} messages`);
      check('LangGraph.js', iterations, counter, last?.content);
    },
    async afterRun() {
      await saver?.deleteThread(`thread-${runs}`); // not timed: the saver would keep every run's checkpoints
    },
  };
}

const VARIANTS = [
  { name: 'Stepwise, no checkpoint store', framework: 'stepwise', setup: () => stepwise('none') },
  { name: 'Stepwise, MemoryCheckpointStore', framework: 'stepwise', setup: () => stepwise('memory') },
  { name: 'Stepwise, FileCheckpointStore (fdatasync)', framework: 'stepwise', setup: () => stepwise('file') },
  { name: 'Vercel AI SDK, generateText', framework: 'ai', setup: vercelAiSdk },
  { name: 'OpenAI Agents JS, run()', framework: '@openai/agents', setup: openAiAgents },
  { name: 'LangGraph.js createReactAgent', framework: '@langchain/langgraph', setup: () => langGraph(false) },
  { name: 'LangGraph.js createReactAgent + MemorySaver', framework: '@langchain/langgraph', setup: () => langGraph(true) },
];

// ---------------------------------------------------------------------------------------------
// A worker: one variant, in its own process, driven by the parent over IPC. On `{ k }` it does one
// timed run of k iterations and answers `{ us }` (µs per iteration); on `{ warmUp: true }` it warms up.

async function worker(index) {
  const bench = await VARIANTS[index].setup();
  const timed = async (k) => {
    // `--gc-before-run`: a full collection before each run (it also drops compiled code and type
    // feedback, so every framework then runs partly cold). Off by default: steady state, each run
    // paying for the garbage the ones before it left, as in a long-lived process.
    if (GC_BEFORE_RUN) globalThis.gc?.();
    const started = performance.now();
    await bench.run(k);
    const elapsed = performance.now() - started;
    await bench.afterRun?.();
    return (elapsed * 1000) / k;
  };
  process.on('message', async (message) => {
    try {
      if (message.warmUp) {
        for (const k of KS) for (let n = 0; n < WARM_UP[k]; n++) await timed(k);
        process.send({ ready: true });
      } else if (message.k) {
        process.send({ us: await timed(message.k) });
      } else if (message.stop) {
        bench.cleanUp?.();
        process.send({ rssMiB: process.memoryUsage().rss / 2 ** 20 }, () => process.exit(0));
      }
    } catch (error) {
      bench.cleanUp?.();
      console.error(error);
      process.exit(1);
    }
  });
  process.send({ loaded: true });
}

/** Starts a variant's worker; `ask(message)` resolves with its answer. */
function startWorker(index) {
  // No tracing or telemetry anywhere: LangSmith off even if the caller's shell enables it.
  const env = { ...process.env, LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false', LANGCHAIN_TRACING: 'false', OPENAI_AGENTS_DISABLE_TRACING: '1' };
  const child = fork(fileURLToPath(import.meta.url), ['--worker', String(index), ...(GC_BEFORE_RUN ? ['--gc-before-run'] : [])], { env, execArgv: GC_BEFORE_RUN ? ['--expose-gc'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting;
  const failed = new Promise((_, reject) => {
    child.on('exit', (code) => reject(new Error(`${VARIANTS[index].name}: the worker exited ${code} (its error is above)`)));
  });
  failed.catch(() => {});
  child.on('message', (message) => waiting?.(message));
  const next = () => Promise.race([new Promise((resolve) => (waiting = resolve)), failed]);
  const loaded = next();
  return {
    loaded,
    ask(message) {
      const answer = next();
      child.send(message);
      return answer;
    },
  };
}

/** One append of a record-sized line + fdatasync on the temp folder's disk, median of 200 (µs). */
function appendFloor() {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-floor-'));
  try {
    return appendFloorIn(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function versionOf(name) {
  return JSON.parse(readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function stepwiseVersion() {
  const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  try {
    return `${version} (commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim()}, dist/ as built)`;
  } catch {
    return `${version} (dist/ as built)`;
  }
}

const load = () => os.loadavg().map((value) => value.toFixed(2)).join(', ');

/** Fails early, saying what to run, when Stepwise's build or this package's install is missing. */
function checkPrerequisites() {
  if (!existsSync(path.join(REPO, 'dist', 'framework', 'index.js'))) {
    throw new Error(`Stepwise's compiled dist/ is missing in ${REPO}: run \`npm run build\` there (or \`npm run bench:compare\`, which builds, installs and runs).`);
  }
  const missing = ['ai', '@openai/agents', '@langchain/langgraph', '@langchain/core', 'zod'].filter((name) => !existsSync(path.join(HERE, 'node_modules', name, 'package.json')));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not installed in ${HERE}: run \`npm --prefix bench/compare ci --no-audit --no-fund\` from the repository.`);
}

async function main() {
  checkPrerequisites();
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
  if (onlyAt !== -1 && !only) throw new Error('--only needs a part of a variant name, e.g. --only langgraph');
  const chosen = [...VARIANTS.keys()].filter((index) => !only || VARIANTS[index].name.toLowerCase().includes(only.toLowerCase()));
  if (chosen.length === 0) throw new Error(`--only ${JSON.stringify(only)} matches no variant; the variants are: ${VARIANTS.map((variant) => variant.name).join('; ')}`);
  const cpus = os.cpus();
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; Node ${process.version}; load average ${load()}`);
  console.log(`versions: stepwise-agents ${stepwiseVersion()}, ai ${versionOf('ai')}, @openai/agents ${versionOf('@openai/agents')}, @langchain/langgraph ${versionOf('@langchain/langgraph')}, @langchain/core ${versionOf('@langchain/core')}, zod ${versionOf('zod')}`);
  console.log(`one 481-byte append + fdatasync on ${os.tmpdir()}'s disk (median of 200): ${appendFloor().toFixed(0)} µs`);
  console.log(`workload: K iterations (K model calls, K - 1 echo tool executions, verified); zero-latency model; medians of ${KS.map((k) => `${RUNS[k]}`).join(' / ')} runs at K = ${KS.join(' / ')} after a warm-up; each variant in its own process`);
  console.log(`workers: one per variant, alive for the whole bench; runs interleaved round by round (one run at a time); ${GC_BEFORE_RUN ? 'a forced full GC before each run' : 'no forced GC (steady state)'}`);
  console.log('');
  const workers = new Map(chosen.map((index) => [index, startWorker(index)]));
  for (const index of chosen) await workers.get(index).loaded;
  for (const index of chosen) await workers.get(index).ask({ warmUp: true }); // one at a time: no run shares the CPU with another
  const samples = new Map(chosen.map((index) => [index, Object.fromEntries(KS.map((k) => [k, []]))]));
  const rounds = Math.max(...KS.map((k) => RUNS[k]));
  for (let round = 0; round < rounds; round++) {
    const order = chosen.map((_, n) => chosen[(n + round) % chosen.length]); // rotated, so no variant always runs first
    for (const index of order) {
      for (const k of KS) if (round < RUNS[k]) samples.get(index)[k].push((await workers.get(index).ask({ k })).us);
    }
  }
  const rss = new Map();
  for (const index of chosen) rss.set(index, (await workers.get(index).ask({ stop: true })).rssMiB);
  const row = (name, values, extra = '') => `  ${name.padEnd(46)}${values.map((value) => Math.round(value).toLocaleString('en-US').padStart(10)).join('')}${extra}`;
  console.log(`µs per ReAct iteration, median (and the fastest run)`);
  console.log(`  ${''.padEnd(46)}${KS.map((k) => `K = ${k}`.padStart(10)).join('')}${'K200/K10'.padStart(10)}${'fastest:'.padStart(10)}${KS.map((k) => `K = ${k}`.padStart(9)).join('')}`);
  for (const index of chosen) {
    const medians = KS.map((k) => median(samples.get(index)[k]));
    const fastest = KS.map((k) => Math.min(...samples.get(index)[k]));
    console.log(row(VARIANTS[index].name, medians, `${(medians[2] / medians[0]).toFixed(2).padStart(10)}${''.padStart(10)}${fastest.map((value) => Math.round(value).toLocaleString('en-US').padStart(9)).join('')}`));
  }
  console.log(`worker RSS at the end (MiB): ${chosen.map((index) => `${VARIANTS[index].name} ${rss.get(index).toFixed(0)}`).join('; ')}`);
  console.log(`load average at the end: ${load()}`);
}

const workerIndex = process.argv.indexOf('--worker');
if (workerIndex !== -1) {
  worker(Number(process.argv[workerIndex + 1])).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error); // a worker's own error, with its stack, is printed above
    process.exit(1);
  });
}
