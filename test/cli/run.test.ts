import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type ChatRequestBody, type FakeOpenAIServer, type FakeReply } from '../helpers/fake-openai-server';
import { repositoryRoot, runCli } from '../helpers/cli';

const config = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');

/** A model that looks the order up twice in parallel (one id malformed), corrects it, asks to refund, then answers. */
function nativeScript(request: ChatRequestBody): FakeReply {
  const toolResults = request.messages.filter((message) => message.role === 'tool');
  if (toolResults.length === 0) {
    return { content: 'Looking up both orders.', toolCalls: [{ id: 'call_a', name: 'lookup_order', arguments: { orderId: 'ORD-7' } }, { id: 'call_b', name: 'lookup_order', arguments: { orderId: '1042' } }] };
  }
  if (toolResults.length === 2) return { content: 'Fixing the id.', toolCalls: [{ id: 'call_c', name: 'lookup_order', arguments: { orderId: 'ORD-1042' } }] };
  if (toolResults.length === 3) return { content: 'Refunding.', toolCalls: [{ id: 'call_d', name: 'issue_refund', arguments: { orderId: 'ORD-1042', amountUsd: 20 } }] };
  return { content: `Done: ${toolResults.at(-1)?.content}` };
}

/** The same conversation in the text protocol: one action per reply. */
function textScript(request: ChatRequestBody): FakeReply {
  const observations = request.messages.filter((message) => message.role === 'user' && String(message.content).startsWith('Observation:'));
  const steps = [
    'Thought: look it up\nAction: lookup_order\nAction Input: {"orderId": "1042"}',
    'Thought: the id needs the prefix\nAction: lookup_order\nAction Input: ```json\n{"orderId": "ORD-1042"}\n```',
    'Thought: refund it\nAction: issue_refund\nAction Input: {"orderId": "ORD-1042", "amountUsd": 20}',
  ];
  return { content: steps[observations.length] ?? `Thought: finished\nFinal Answer: Done: ${observations.at(-1)?.content}` };
}

describe.each([
  ['through the local engine', []],
  ['in process', ['--in-process']],
])('stepwise run with a TypeScript config and an OpenAI-compatible endpoint (%s)', (_mode, extraArgs) => {
  let server: FakeOpenAIServer | undefined;
  afterEach(async () => server?.close());

  const run = (agent: string, approve: string) =>
    runCli(['run', agent, 'Refund order 1042', '--config', config, '--model', 'openai:gpt-4o-mini', '--approve', approve, '--json', ...extraArgs], {
      cwd: mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-')),
      env: { OPENAI_BASE_URL: server!.baseURL, OPENAI_API_KEY: 'test' },
    });

  it('runs parallel calls, lets the model correct an invalid argument, and refunds once approved (native)', async () => {
    server = await startFakeOpenAI(nativeScript);

    const result = await run('support', 'all');

    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'COMPLETED', model: 'openai:gpt-4o-mini', iterations: 4 });
    expect(summary.toolCalls).toEqual([
      { tool: 'lookup_order', args: { orderId: 'ORD-7' }, ok: true },
      { tool: 'lookup_order', args: { orderId: '1042' }, ok: false },
      { tool: 'lookup_order', args: { orderId: 'ORD-1042' }, ok: true },
      { tool: 'issue_refund', args: { orderId: 'ORD-1042', amountUsd: 20 }, ok: true, approved: true },
    ]);
    expect(summary.answer).toContain('"refunded":true');
    const second = server.requests.find((request) => request.messages.some((message) => message.tool_call_id === 'call_b'))!;
    expect(second.messages.find((message) => message.tool_call_id === 'call_b')?.content).toContain('orderId: order ids look like ORD-1042');
    expect(second.messages.find((message) => message.tool_call_id === 'call_a')?.content).toContain('"status":"delivered"');
    expect(server.requests[0].tools?.map((tool) => tool.function.strict)).toEqual([true, true]);
  });

  it('tells the model when the refund is rejected (text protocol, no terminal)', async () => {
    server = await startFakeOpenAI(textScript);

    const result = await run('support-text', 'none');

    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('COMPLETED');
    expect(summary.toolCalls.map((call: { ok: boolean; approved?: boolean }) => [call.ok, call.approved])).toEqual([[false, undefined], [true, undefined], [false, false]]);
    expect(summary.answer).toBe('Done: Observation: rejected by human operator: rejected automatically (--approve none)');
    expect(server.requests.every((request) => request.tools === undefined)).toBe(true);
  });
});

describe('stepwise run --model', () => {
  let server: FakeOpenAIServer | undefined;
  afterEach(async () => server?.close());

  it('outranks the model the agent names, through the engine too', async () => {
    server = await startFakeOpenAI([{ content: 'Nothing to refund.' }]);

    const result = await runCli(['run', 'support-pinned', 'Refund order 1042', '--config', config, '--model', 'openai:gpt-4o-mini', '--json'], {
      cwd: mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-')),
      env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'test' },
    });

    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'COMPLETED', answer: 'Nothing to refund.', model: 'openai:gpt-4o-mini' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('stepwise run usage errors', () => {
  it('exits 2 naming the unknown agent', async () => {
    const result = await runCli(['run', 'nobody', 'hello', '--config', config, '--in-process']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No agent named "nobody". Agents in this config: support, support-text, support-pinned');
  });

  it('exits 2 when the task is missing or a flag is unknown', async () => {
    expect((await runCli(['run', 'research'])).code).toBe(2);
    const unknownFlag = await runCli(['run', 'research', 'task', '--fast']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown option '--fast'");
  });

  it('exits 2 with the config error when a config file is broken', async () => {
    const result = await runCli(['run', 'support', 'hi', '--config', path.join(repositoryRoot, 'test', 'fixtures', 'missing.config.ts')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Config file not found');
  });
});

describe('stepwise run through the local engine with model output it must not trust', () => {
  let server: FakeOpenAIServer | undefined;
  afterEach(async () => server?.close());

  const run = () =>
    runCli(['run', 'support', 'Refund order 1042', '--config', config, '--model', 'openai:gpt-4o-mini', '--json'], {
      cwd: mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-')),
      env: { OPENAI_BASE_URL: server!.baseURL, OPENAI_API_KEY: 'test' },
    });

  it('fails the execution with Stepwise.ModelOutputTruncated when the answer was cut off at the token limit', async () => {
    server = await startFakeOpenAI([{ content: 'Order ORD-1042 was refunded and the', finishReason: 'length' }]);

    const result = await run();

    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'FAILED', answer: null, error: { name: 'Stepwise.ModelOutputTruncated' } });
  });

  it('fails the execution with Stepwise.ModelError naming the usage when the endpoint reports negative tokens', async () => {
    server = await startFakeOpenAI([{ content: 'Nothing to refund.', usage: { prompt_tokens: -40, completion_tokens: 5 } }]);

    const result = await run();

    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'FAILED', error: { name: 'Stepwise.ModelError' } });
    expect(summary.error.message).toContain('invalid usage (input tokens -40)');
  });
});
