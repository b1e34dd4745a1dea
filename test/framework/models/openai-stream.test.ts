import { ModelError } from '../../../framework/errors';
import { openAIModel, type OpenAIModelOptions } from '../../../framework/models/openai';
import { startFakeOpenAI, type FakeOpenAIServer, type FakeReply } from '../../helpers/fake-openai-server';
import { modelRequest as request } from '../../helpers/model-request';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelFor(replies: FakeReply[], options: Partial<OpenAIModelOptions> = {}) {
  server = await startFakeOpenAI(replies);
  return openAIModel({ model: 'gpt-test', baseURL: server.baseURL, apiKey: 'sk-test', ...options });
}

const parallelCalls: FakeReply = {
  content: 'Searching for both the moon and the sun at once.',
  toolCalls: [
    { id: 'call_moon', name: 'search_documents', arguments: { query: 'moon gravity and the tides of the oceans' } },
    { id: 'call_sun', name: 'search_documents', arguments: '{"query":"sun"}' },
  ],
  usage: { prompt_tokens: 321, completion_tokens: 45 },
  chunkChars: 3,
};

describe('openAIModel streaming', () => {
  it('asks for a stream with usage, and passes the text on as it arrives', async () => {
    const model = await modelFor([{ content: 'Tides come from the moon pulling on the oceans.', chunkChars: 5 }]);
    const deltas: [string, number][] = [];

    const response = await model.generate(request({ onTextDelta: (text, attempt) => deltas.push([text, attempt]) }));

    expect(server!.requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map(([text]) => text).join('')).toBe('Tides come from the moon pulling on the oceans.');
    expect(deltas.every(([, attempt]) => attempt === 1)).toBe(true);
    expect(response.text).toBe('Tides come from the moon pulling on the oceans.');
    expect(response.stopReason).toBe('end_turn');
  });

  it('assembles parallel tool calls from the stream exactly as from a whole response', async () => {
    const streamed = await (await modelFor([parallelCalls])).generate(request());
    await server!.close();
    const whole = await (await modelFor([parallelCalls], { stream: false })).generate(request());

    expect(streamed).toEqual(whole);
    expect(streamed.toolCalls).toEqual([
      { id: 'call_moon', name: 'search_documents', arguments: '{"query":"moon gravity and the tides of the oceans"}' },
      { id: 'call_sun', name: 'search_documents', arguments: '{"query":"sun"}' },
    ]);
    expect(streamed.usage).toEqual({ inputTokens: 321, outputTokens: 45 });
    expect(streamed.stopReason).toBe('tool_calls');
    expect(server!.requests[0]).not.toHaveProperty('stream');
  });

  it('retries a stream that breaks off mid-way, telling the listener the answer starts again', async () => {
    const model = await modelFor([{ content: 'The moon pulls the oceans toward it, and', breakAfterChars: 900 }, { content: 'The moon causes tides.' }]);
    const deltas: [string, number][] = [];

    const response = await model.generate(request({ onTextDelta: (text, attempt) => deltas.push([text, attempt]) }));

    expect(response.text).toBe('The moon causes tides.');
    expect(server!.requests).toHaveLength(2);
    expect(deltas.some(([, attempt]) => attempt === 1)).toBe(true);
    expect(deltas.filter(([, attempt]) => attempt === 2).map(([text]) => text).join('')).toBe('The moon causes tides.');
  });

  it('fails with a ModelError naming the broken stream when retries run out, never with half an answer', async () => {
    const broken: FakeReply = { content: 'The moon pulls the oceans toward it, and', breakAfterChars: 400 };
    const model = await modelFor([broken, broken], { maxRetries: 1 });

    const failure = model.generate(request());

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/the stream from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions broke off after 2 attempts/);
  });

  it('reads a whole JSON answer from a server that ignores stream: true', async () => {
    server = await startFakeOpenAI([{ raw: { id: 'x', object: 'chat.completion', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content: 'plain' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } } }]);
    const model = openAIModel({ model: 'gpt-test', baseURL: server.baseURL, apiKey: 'k' });

    const response = await model.generate(request());

    expect(response).toMatchObject({ text: 'plain', usage: { inputTokens: 3, outputTokens: 1 } });
  });
});
