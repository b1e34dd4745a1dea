import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { defineAgent, resolveModel } from '../../../framework';
import { ConfigDefinitionError, ModelDeadlineError, ModelError } from '../../../framework/errors';
import type { Message } from '../../../framework/model';
import { bedrockModel, type BedrockModelOptions } from '../../../framework/models/bedrock';
import { startFakeBedrock, type FakeBedrockReply, type FakeBedrockServer } from '../../helpers/fake-bedrock-server';
import { repositoryRoot } from '../../helpers/cli';
import { modelRequest as request, searchTool } from '../../helpers/model-request';

const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

let server: FakeBedrockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelFor(replies: readonly FakeBedrockReply[], options: Partial<BedrockModelOptions> = {}) {
  server = await startFakeBedrock(replies);
  const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  return bedrockModel({ model: CLAUDE, client, endpoint: server.endpoint, ...options });
}

const parallel: FakeBedrockReply = {
  text: 'Searching for the moon and the sun at once.',
  toolUses: [
    { toolUseId: 'tooluse_moon', name: 'search_documents', input: { query: 'moon gravity and the ocean tides' } },
    { toolUseId: 'tooluse_sun', name: 'search_documents', input: { query: 'sun' } },
  ],
  usage: { inputTokens: 410, outputTokens: 52 },
  chunkChars: 3,
};

describe('bedrockModel', () => {
  it('is identified as bedrock:<model id> and resolved from a bedrock: spec', () => {
    const agent = defineAgent({ name: 'a', description: 'd', tools: [] });
    expect(bedrockModel({ model: 'amazon.nova-pro-v1:0' }).id).toBe('bedrock:amazon.nova-pro-v1:0');
    expect(resolveModel(`bedrock:${CLAUDE}`, agent, { awsRegion: 'us-east-1' }).id).toBe(`bedrock:${CLAUDE}`);
    expect(() => resolveModel('anthropic:claude', agent)).toThrow(/Unknown model "anthropic:claude".*bedrock:<model id or inference profile>/);
    expect(() => bedrockModel({ model: ' ' })).toThrow(ConfigDefinitionError);
  });

  it('sends the system prompt, the tools as JSON schemas and the model id (an inference profile) to ConverseStream', async () => {
    const model = await modelFor([{ text: 'Tides come from the moon.' }], { temperature: 0.1, maxOutputTokens: 900 });

    await model.generate(request());

    const [sent] = server!.requests;
    expect(sent.modelId).toBe(CLAUDE);
    expect(sent.stream).toBe(true);
    expect(sent.body.system).toEqual([{ text: 'You are a careful researcher.' }]);
    expect(sent.body.messages).toEqual([{ role: 'user', content: [{ text: 'What causes tides?' }] }]);
    expect(sent.body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'search_documents', description: 'Searches the documents', inputSchema: { json: searchTool.parameters } } }] });
    expect(sent.body.inferenceConfig).toEqual({ temperature: 0.1, maxTokens: 900 });
  });

  it('sends earlier tool uses, and their parallel results in one user turn, matched by id', async () => {
    const model = await modelFor([{ text: 'Done.' }]);
    const messages: Message[] = [
      { role: 'user', content: 'What causes tides?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_a', name: 'search_documents', arguments: '{"query":"moon"}' }, { id: 'call_b', name: 'search_documents', arguments: 'not json' }] },
      { role: 'tool', toolCallId: 'call_a', toolName: 'search_documents', content: '{"results":["moon"]}' },
      { role: 'tool', toolCallId: 'call_b', toolName: 'search_documents', content: 'Error: Invalid arguments' },
      { role: 'user', content: 'Please be brief.' },
    ];

    await model.generate(request({ messages }));

    expect(server!.requests[0].body.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_a', name: 'search_documents', input: { query: 'moon' } } }, { toolUse: { toolUseId: 'call_b', name: 'search_documents', input: {} } }] },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_a', content: [{ text: '{"results":["moon"]}' }] } },
          { toolResult: { toolUseId: 'call_b', content: [{ text: 'Error: Invalid arguments' }] } },
          { text: 'Please be brief.' },
        ],
      },
    ]);
  });

  it('speaks the text protocol without tools to models that have no tool use', async () => {
    const model = await modelFor([{ text: 'Thought: done\nFinal Answer: the moon' }]);
    const messages: Message[] = [
      { role: 'user', content: 'What causes tides?' },
      { role: 'assistant', content: 'Action: search_documents\nAction Input: {"query":"moon"}', toolCalls: [{ id: 'text_1', name: 'search_documents', arguments: '{"query":"moon"}' }] },
      { role: 'tool', toolCallId: 'text_1', toolName: 'search_documents', content: 'moon pulls water' },
    ];

    const response = await model.generate(request({ toolCalling: 'text', messages }));

    const body = server!.requests[0].body;
    expect(body).not.toHaveProperty('toolConfig');
    expect(body.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ text: 'Action: search_documents\nAction Input: {"query":"moon"}' }] },
      { role: 'user', content: [{ text: 'Observation: moon pulls water' }] },
    ]);
    expect(response.text).toBe('Thought: done\nFinal Answer: the moon');
  });

  it('streams the text as it arrives and assembles parallel tool calls exactly as a whole Converse answer gives them', async () => {
    const deltas: string[] = [];
    const streamed = await (await modelFor([parallel])).generate(request({ onTextDelta: (text) => deltas.push(text) }));
    await server!.close();
    const whole = await (await modelFor([parallel], { stream: false })).generate(request());

    expect(server!.requests[0].stream).toBe(false);
    expect(streamed).toEqual(whole);
    expect(streamed).toEqual({
      text: 'Searching for the moon and the sun at once.',
      toolCalls: [
        { id: 'tooluse_moon', name: 'search_documents', arguments: '{"query":"moon gravity and the ocean tides"}' },
        { id: 'tooluse_sun', name: 'search_documents', arguments: '{"query":"sun"}' },
      ],
      usage: { inputTokens: 410, outputTokens: 52 },
      model: CLAUDE,
      stopReason: 'tool_calls',
    });
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(streamed.text);
  });

  it('reports a reply stopped at max_tokens so the runner can refuse it', async () => {
    const model = await modelFor([{ text: 'The tides are', stopReason: 'max_tokens' }]);

    expect((await model.generate(request())).stopReason).toBe('max_tokens');
  });

  it('retries throttling and returns the answer that follows', async () => {
    const model = await modelFor([{ status: 429, errorType: 'ThrottlingException', message: 'Too many tokens, please wait' }, { text: 'Recovered.' }], { maxRetryWaitMs: 1_000 });

    expect((await model.generate(request())).text).toBe('Recovered.');
    expect(server!.requests).toHaveLength(2);
  });

  it('fails with a ModelError naming the throttling once retries run out', async () => {
    const throttled: FakeBedrockReply = { status: 429, errorType: 'ThrottlingException', message: 'Too many tokens' };
    const model = await modelFor([throttled, throttled], { maxRetries: 1 });

    await expect(model.generate(request())).rejects.toThrow(/ThrottlingException from http:\/\/127\.0\.0\.1:\d+ after 2 attempts: Too many tokens\. Lower concurrency/);
  });

  it('never waits for a throttling retry past the deadline', async () => {
    const model = await modelFor([{ status: 429, errorType: 'ThrottlingException' }, { text: 'too late' }]);

    // The first backoff is at least 375 ms, more than the 300 ms left. (On a loaded machine the
    // first attempt itself may still be running at the deadline: the same error, and no retry.)
    const failure = model.generate(request({ deadline: Date.now() + 300 }));

    await expect(failure).rejects.toThrow(ModelDeadlineError);
    expect(server!.requests.length).toBeLessThanOrEqual(1);
  });

  it('says which IAM actions are missing on AccessDeniedException, without retrying', async () => {
    const model = await modelFor([{ status: 403, errorType: 'AccessDeniedException', message: 'You don\'t have access to the model with the specified model ID.' }]);

    const failure = model.generate(request());

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on "us\.anthropic\.claude-sonnet-4-20250514-v1:0"/);
    expect(server!.requests).toHaveLength(1);
  });

  it('suggests the text protocol when the model has no tool use', async () => {
    const model = await modelFor([{ status: 400, errorType: 'ValidationException', message: 'This model doesn\'t support tool use.' }]);

    await expect(model.generate(request())).rejects.toThrow(/doesn't support tool use.*toolCalling set to 'text'/);
  });

  it('retries a stream that is reset mid-way, and one that reports throttling mid-stream', async () => {
    const model = await modelFor([
      { text: 'The moon pulls the oceans', breakAfterEvents: 3 },
      { text: 'The moon pulls', streamException: { afterEvents: 2, type: 'throttlingException', message: 'slow down' } },
      { text: 'The moon causes tides.' },
    ]);
    const attempts = new Set<number>();

    const response = await model.generate(request({ onTextDelta: (_text, attempt) => attempts.add(attempt) }));

    expect(response.text).toBe('The moon causes tides.');
    expect(server!.requests).toHaveLength(3);
    expect([...attempts]).toEqual([1, 2, 3]);
  });

  it('gives up on a stream that drips past timeoutMs', async () => {
    const model = await modelFor([{ text: 'x'.repeat(2_000), dripMs: 50, chunkChars: 1 }], { timeoutMs: 400, maxRetries: 0 });

    await expect(model.generate(request())).rejects.toThrow(/did not finish answering within 400 ms/);
  });

  it('stops when the abort signal fires', async () => {
    const model = await modelFor([{ text: 'too late', delayMs: 30_000 }]);
    const controller = new AbortController();

    const failure = model.generate(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);

    await expect(failure).rejects.toThrow(/aborted/);
  });
});

describe('the Bedrock client', () => {
  it('is not loaded by agents that do not use Bedrock', () => {
    const script = `
      const framework = require(${JSON.stringify(path.join(repositoryRoot, 'dist', 'framework'))});
      const loaded = () => Object.keys(require.cache).some((file) => file.includes('client-bedrock-runtime'));
      const before = loaded();
      framework.resolveModel('bedrock:amazon.nova-pro-v1:0', framework.defineAgent({ name: 'a', description: 'd', tools: [] }), { awsRegion: 'us-east-1' });
      console.log(JSON.stringify({ before, afterResolve: loaded() }));`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });

    expect(JSON.parse(result.stdout)).toEqual({ before: false, afterResolve: false });
  });
});
