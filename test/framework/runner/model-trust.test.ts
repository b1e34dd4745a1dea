import { defineAgent, openAIModel, runAgent } from '../../../framework';
import { startFakeOpenAI, type FakeOpenAIServer, type FakeScript } from '../../helpers/fake-openai-server';
import { add } from '../../helpers/test-tools';

// Issue 8, items 3 and 7: a run ends on time when its duration budget runs out however the
// endpoint behaves, a truncated reply is never a final answer, and usage is validated.

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(script: FakeScript, agentOptions: Partial<Parameters<typeof defineAgent>[0]> = {}, stream = true) {
  server = await startFakeOpenAI(script);
  const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], ...agentOptions });
  return runAgent(agent, 'Add 1 and 2', { model: openAIModel({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: 'k', stream } as Parameters<typeof openAIModel>[0]) });
}

describe('a run with a duration budget', () => {
  it('ends with Stepwise.BudgetExceeded when the endpoint asks to wait an hour', async () => {
    const result = await run([{ status: 429, retryAfter: '3600', retryAfterMs: null }, { content: 'too late' }], { budget: { maxDurationMs: 3_000 } });

    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.BudgetExceeded');
    expect(result.status === 'FAILED' && result.error.message).toMatch(/asks to wait 3600 s/);
    expect(server!.requests).toHaveLength(1);
  }, 20_000);

  it('ends with Stepwise.BudgetExceeded when the endpoint drips its answer past the budget', async () => {
    const result = await run([{ content: 'x'.repeat(5_000), dripMs: 50 }], { budget: { maxDurationMs: 1_000 } });

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.BudgetExceeded');
  }, 20_000);
});

describe.each([
  ['streamed', true],
  ['whole', false],
])('model output the runner does not trust (%s)', (_label, stream) => {
  it('never completes with an answer cut off at the output token limit', async () => {
    const result = await run([{ content: 'The sum of 1 and 2 is', finishReason: 'length' }], {}, stream);

    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.ModelOutputTruncated');
    expect(result.status === 'FAILED' && result.error.message).toMatch(/cut off at its output token limit/);
    expect(result.state.answer).toBeUndefined();
  });

  it('never runs tool calls whose arguments were cut off', async () => {
    const result = await run([{ toolCalls: [{ id: 'a', name: 'add', arguments: '{"a": 1, "b"' }], finishReason: 'length' }], {}, stream);

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.ModelOutputTruncated');
    expect(result.state.ledger).toEqual({});
  });

  it('never completes in text mode with a truncated Final Answer', async () => {
    const result = await run([{ content: 'Thought: easy\nFinal Answer: The sum is', finishReason: 'length' }], { toolCalling: 'text' }, stream);

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.ModelOutputTruncated');
  });

  it.each([
    ['negative', { prompt_tokens: -5_000, completion_tokens: 3 }, /prompt_tokens|input tokens.*-5000/],
    ['non-numeric', { prompt_tokens: 12, completion_tokens: 'lots' }, /completion_tokens|output tokens.*"lots"/],
    ['fractional', { prompt_tokens: 1.5, completion_tokens: 2 }, /input tokens.*1\.5/],
  ])('refuses %s usage instead of counting it against the budget', async (_kind, usage, detail) => {
    const result = await run([{ content: '3', usage }], { budget: { maxTokens: 10_000 } }, stream);

    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.ModelError');
    expect(result.status === 'FAILED' && result.error.message).toMatch(/usage/);
    expect(result.status === 'FAILED' && result.error.message).toMatch(detail);
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });
});
