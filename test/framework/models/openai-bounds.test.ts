import { ModelError } from '../../../framework/errors';
import { openAIModel, type OpenAIModelOptions } from '../../../framework/models/openai';
import { startFakeOpenAI, type FakeOpenAIServer, type FakeScript } from '../../helpers/fake-openai-server';
import { modelRequest as request } from '../../helpers/model-request';

// Issue 8, item 3: every model call is bounded in time — a deadline that covers the whole
// response, abortable, and retry waits that never outlast what is left.

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelFor(script: FakeScript, options: Partial<OpenAIModelOptions> = {}) {
  server = await startFakeOpenAI(script);
  return openAIModel({ model: 'gpt-test', baseURL: server.baseURL, apiKey: 'sk-test', ...options });
}

/** A body that would take minutes to drip out: long enough that only a deadline ends the call. */
const endless = 'The tides are caused by the moon. '.repeat(400);

describe.each([
  ['a whole response', false],
  ['a streamed response', true],
])('openAIModel bounded in time (%s)', (_label, stream) => {
  it('refuses to sleep for a Retry-After longer than it may wait, naming the wait', async () => {
    const model = await modelFor([{ status: 429, retryAfter: '3600', retryAfterMs: null, error: { message: 'Rate limit reached' } }, { content: 'too late' }], { stream });

    const failure = model.generate(request());

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/429.*asks to wait 3600 s before retrying.*maxRetryWaitMs/);
    expect(server!.requests).toHaveLength(1);
  }, 20_000);

  it('stops waiting between retries when the abort signal fires', async () => {
    const model = await modelFor([{ status: 503, retryAfter: '30', retryAfterMs: null }, { content: 'too late' }], { stream });
    const controller = new AbortController();

    const failure = model.generate(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 200);

    await expect(failure).rejects.toThrow(/aborted/);
    expect(server!.requests).toHaveLength(1);
  }, 20_000);

  it('gives up on a server that sends its headers and then drips the body, after timeoutMs', async () => {
    const model = await modelFor([{ content: endless, dripMs: 50 }], { stream, timeoutMs: 400, maxRetries: 0 });

    const failure = model.generate(request());

    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/did not finish answering within 400 ms/);
  }, 20_000);

  it('retries a dripping answer within timeoutMs and returns the answer that follows', async () => {
    const model = await modelFor([{ content: endless, dripMs: 50 }, { content: 'Recovered.' }], { stream, timeoutMs: 400, maxRetries: 1 });

    const response = await model.generate(request());

    expect(response.text).toBe('Recovered.');
    expect(server!.requests).toHaveLength(2);
  }, 20_000);

  it('caps a retry wait by the deadline it was given, and says so', async () => {
    const model = await modelFor([{ status: 429, retryAfter: '20', retryAfterMs: null }, { content: 'too late' }], { stream });

    const failure = model.generate(request({ deadline: Date.now() + 2_000 }));

    await expect(failure).rejects.toThrow(/asks to wait 20 s before retrying, but only \d+(\.\d+)? s are left before the deadline/);
    expect(server!.requests).toHaveLength(1);
  }, 20_000);

  it('ends a dripping answer at the deadline even when timeoutMs is longer', async () => {
    const model = await modelFor([{ content: endless, dripMs: 50 }], { stream, timeoutMs: 60_000 });

    await expect(model.generate(request({ deadline: Date.now() + 500 }))).rejects.toThrow(/deadline/);
  }, 20_000);
});
