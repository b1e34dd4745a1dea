import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigDefinitionError, ModelError } from '../../../framework/errors';
import type { Message } from '../../../framework/model';
import { openAIModel } from '../../../framework/models/openai';
import { startFakeOpenAI, type FakeOpenAIServer, type FakeScript } from '../../helpers/fake-openai-server';
import { modelRequest as request, searchTool } from '../../helpers/model-request';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelFor(script: FakeScript, options: { maxRetries?: number; temperature?: number; timeoutMs?: number } = {}) {
  server = await startFakeOpenAI(script);
  return openAIModel({ model: 'gpt-test', baseURL: server.baseURL, apiKey: 'sk-test', ...options });
}

describe('openAIModel', () => {
  it('is identified as openai:<model>', () => {
    expect(openAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test' }).id).toBe('openai:gpt-4o-mini');
  });

  it('sends the instructions as the system message and the tools as strict functions with parallel calls', async () => {
    const model = await modelFor([{ content: 'Tides come from the moon.' }], { temperature: 0.2 });

    await model.generate(request());

    const body = server!.requests[0];
    expect(body.model).toBe('gpt-test');
    expect(body.temperature).toBe(0.2);
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are a careful researcher.' },
      { role: 'user', content: 'What causes tides?' },
    ]);
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'search_documents', description: 'Searches the documents', parameters: searchTool.parameters, strict: true } }]);
    expect(body.parallel_tool_calls).toBe(true);
  });

  it('sends neither tools nor parallel_tool_calls when the agent has no tools', async () => {
    const model = await modelFor([{ content: 'Hello' }]);

    await model.generate(request({ tools: [] }));

    expect(server!.requests[0]).not.toHaveProperty('tools');
    expect(server!.requests[0]).not.toHaveProperty('parallel_tool_calls');
  });

  it('returns parallel tool calls from one response with their ids and argument text', async () => {
    const model = await modelFor([
      {
        content: 'I will search twice.',
        toolCalls: [
          { id: 'call_a', name: 'search_documents', arguments: { query: 'moon' } },
          { id: 'call_b', name: 'search_documents', arguments: '{"query":"sun"}' },
        ],
      },
    ]);

    const response = await model.generate(request());

    expect(response.text).toBe('I will search twice.');
    expect(response.toolCalls).toEqual([
      { id: 'call_a', name: 'search_documents', arguments: '{"query":"moon"}' },
      { id: 'call_b', name: 'search_documents', arguments: '{"query":"sun"}' },
    ]);
  });

  it('returns empty text when the model only calls tools', async () => {
    const model = await modelFor([{ toolCalls: [{ name: 'search_documents', arguments: { query: 'x' } }] }]);

    const response = await model.generate(request());

    expect(response.text).toBe('');
    expect(response.toolCalls).toHaveLength(1);
  });

  it('sends earlier tool calls and their results matched by call id', async () => {
    const model = await modelFor([{ content: 'Done.' }]);
    const messages: Message[] = [
      { role: 'user', content: 'What causes tides?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_a', name: 'search_documents', arguments: '{"query":"moon"}' },
          { id: 'call_b', name: 'search_documents', arguments: '{"query":"sun"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_a', toolName: 'search_documents', content: '{"results":["moon"]}' },
      { role: 'tool', toolCallId: 'call_b', toolName: 'search_documents', content: '{"results":["sun"]}' },
    ];

    await model.generate(request({ messages }));

    expect(server!.requests[0].messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'search_documents', arguments: '{"query":"moon"}' } },
          { id: 'call_b', type: 'function', function: { name: 'search_documents', arguments: '{"query":"sun"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"results":["moon"]}' },
      { role: 'tool', tool_call_id: 'call_b', content: '{"results":["sun"]}' },
    ]);
  });

  it('sends no tools and no tool roles in text mode', async () => {
    const model = await modelFor([{ content: 'Thought: done\nFinal Answer: the moon' }]);
    const messages: Message[] = [
      { role: 'user', content: 'What causes tides?' },
      { role: 'assistant', content: 'Action: search_documents\nAction Input: {"query":"moon"}', toolCalls: [{ id: 'text_1', name: 'search_documents', arguments: '{"query":"moon"}' }] },
      { role: 'tool', toolCallId: 'text_1', toolName: 'search_documents', content: 'moon pulls water' },
    ];

    const response = await model.generate(request({ toolCalling: 'text', messages }));

    const body = server!.requests[0];
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('parallel_tool_calls');
    expect(body.messages.slice(2)).toEqual([
      { role: 'assistant', content: 'Action: search_documents\nAction Input: {"query":"moon"}' },
      { role: 'user', content: 'Observation: moon pulls water' },
    ]);
    expect(response.text).toBe('Thought: done\nFinal Answer: the moon');
  });

  it('maps token usage and reports the model that answered', async () => {
    const model = await modelFor([{ content: 'ok', usage: { prompt_tokens: 120, completion_tokens: 7 }, model: 'gpt-test-2025-01-01' }]);

    const response = await model.generate(request());

    expect(response.usage).toEqual({ inputTokens: 120, outputTokens: 7 });
    expect(response.model).toBe('gpt-test-2025-01-01');
  });

  it('counts zero tokens when the endpoint reports no usage', async () => {
    const model = await modelFor([{ content: 'ok', usage: null }]);

    const response = await model.generate(request());

    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('retries a server error and returns the answer that follows', async () => {
    const model = await modelFor([{ status: 500, error: { message: 'overloaded' } }, { status: 429 }, { content: 'Recovered.' }], { maxRetries: 2 });

    const response = await model.generate(request());

    expect(response.text).toBe('Recovered.');
    expect(server!.requests).toHaveLength(3);
  });

  it('fails with a ModelError naming the status and endpoint when retries run out', async () => {
    const model = await modelFor([{ status: 500 }, { status: 500, error: { message: 'still overloaded' } }], { maxRetries: 1 });

    const failure = model.generate(request());

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/500 server error from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions after 2 attempts: still overloaded/);
  });

  it('tells the user to set OPENAI_API_KEY on 401 and does not retry', async () => {
    const model = await modelFor([{ status: 401, error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }]);

    const failure = model.generate(request());

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/401 Unauthorized.*Incorrect API key provided.*Set OPENAI_API_KEY/);
    expect(server!.requests).toHaveLength(1);
  });

  it('says the model was not found on 404', async () => {
    const model = await modelFor([{ status: 404, error: { message: 'The model `gpt-test` does not exist', code: 'model_not_found' } }]);

    await expect(model.generate(request())).rejects.toThrow(/model not found.*Check the model name "gpt-test"/);
  });

  it('fails with a ModelError when the response has no choices', async () => {
    const model = await modelFor([{ raw: { id: 'x', object: 'chat.completion', model: 'gpt-test', choices: [] } }]);

    await expect(model.generate(request())).rejects.toThrow(/answered without any choices/);
  });

  it('stops waiting when the abort signal fires', async () => {
    const model = await modelFor([{ content: 'too late', delayMs: 30_000 }]);
    const controller = new AbortController();

    const failure = model.generate(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/aborted/);
  });

  it('gives up on an attempt that takes longer than timeoutMs', async () => {
    const model = await modelFor([{ content: 'too slow', delayMs: 30_000 }], { timeoutMs: 50, maxRetries: 0 });

    // Under jest's sandbox the SDK cannot recognise the timeout's AbortError across realms, so only the hint is asserted.
    await expect(model.generate(request())).rejects.toThrow(/127\.0\.0\.1:\d+\/v1\/chat\/completions.*raise timeoutMs/);
  });

  it('names the endpoint when nothing listens there', async () => {
    const closed = await startFakeOpenAI([]);
    await closed.close();
    const model = openAIModel({ model: 'gpt-test', baseURL: closed.baseURL, apiKey: 'sk-test', maxRetries: 0 });

    await expect(model.generate(request())).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions.*OPENAI_BASE_URL/);
  });

  it('refuses to start without an API key for the default endpoint', () => {
    expect(() => openAIModel({ model: 'gpt-4o-mini' })).toThrow(ConfigDefinitionError);
    expect(() => openAIModel({ model: 'gpt-4o-mini' })).toThrow(/OPENAI_API_KEY/);
  });

  it('sends a placeholder key to a custom endpoint that needs none', async () => {
    server = await startFakeOpenAI([{ content: 'local answer' }]);
    const model = openAIModel({ model: 'llama3.1', baseURL: server.baseURL });

    const response = await model.generate(request());

    expect(response.text).toBe('local answer');
  });
});

describe('startFakeOpenAI', () => {
  it('answers from a JSON script file so another process can be scripted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fake-openai-')), 'script.json');
    writeFileSync(file, JSON.stringify([{ toolCalls: [{ name: 'search_documents', arguments: { query: 'tides' } }] }, { content: 'Final.' }]));
    const model = await modelFor({ file });

    const first = await model.generate(request());
    const second = await model.generate(request());

    expect(first.toolCalls).toEqual([{ id: 'call_1_1', name: 'search_documents', arguments: '{"query":"tides"}' }]);
    expect(second.text).toBe('Final.');
  });

  it('answers from a function of the request', async () => {
    const model = await modelFor((body, index) => ({ content: `#${index} saw ${body.messages.length} messages` }));

    const response = await model.generate(request());

    expect(response.text).toBe('#0 saw 2 messages');
  });

  it('explains when the script has run out of replies', async () => {
    const model = await modelFor([]);

    await expect(model.generate(request())).rejects.toThrow(/the script has no reply #1/);
    expect(server!.requests).toHaveLength(1);
  });
});
