import { defineAgent, runAgent } from '../../../framework';
import { startFakeOpenAI, type FakeOpenAIServer } from '../../helpers/fake-openai-server';
import { add, sendEmailTool } from '../../helpers/test-tools';

describe('runAgent against an OpenAI-compatible endpoint', () => {
  let server: FakeOpenAIServer | undefined;
  afterEach(async () => server?.close());

  const settings = () => ({ baseURL: server!.baseURL, apiKey: 'test-key' });

  it('sends strict tool schemas, runs parallel calls, and returns each result under its call id', async () => {
    server = await startFakeOpenAI([
      { content: 'Two sums at once.', toolCalls: [{ id: 'call_a', name: 'add', arguments: { a: 1, b: 2 } }, { id: 'call_b', name: 'add', arguments: { a: 10, b: 20 } }], usage: { prompt_tokens: 100, completion_tokens: 20 } },
      { content: '3 and 30', usage: { prompt_tokens: 150, completion_tokens: 5 } },
    ]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add] });

    const result = await runAgent(agent, 'Add 1+2 and 10+20', { model: 'openai:gpt-4o-mini', modelSettings: settings() });

    expect(result.status === 'COMPLETED' && result.answer).toBe('3 and 30');
    const [first, second] = server.requests;
    expect(first.tools).toEqual([{ type: 'function', function: expect.objectContaining({ name: 'add', strict: true, parameters: expect.objectContaining({ additionalProperties: false, required: ['a', 'b'] }) }) }]);
    expect(first.parallel_tool_calls).toBe(true);
    const toolReplies = second.messages.filter((message) => message.role === 'tool');
    expect(toolReplies).toEqual([
      expect.objectContaining({ tool_call_id: 'call_a', content: '{"sum":3}' }),
      expect.objectContaining({ tool_call_id: 'call_b', content: '{"sum":30}' }),
    ]);
    expect(result.usage).toEqual({ inputTokens: 250, outputTokens: 25 });
    expect(result.costUsd).toBeCloseTo((250 * 0.15 + 25 * 0.6) / 1_000_000, 12);
  });

  it('lets the model correct an invalid argument after seeing which field was wrong', async () => {
    server = await startFakeOpenAI([
      { toolCalls: [{ id: 'bad', name: 'add', arguments: { a: 'one', b: 2 } }] },
      { toolCalls: [{ id: 'good', name: 'add', arguments: { a: 1, b: 2 } }] },
      { content: '3' },
    ]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add] });

    const result = await runAgent(agent, 'add', { model: 'openai:gpt-4o-mini', modelSettings: settings() });

    expect(result.status).toBe('COMPLETED');
    const correction = server.requests[1].messages.find((message) => message.tool_call_id === 'bad');
    expect(correction?.content).toMatch(/^Error: Invalid arguments for tool "add": a: /);
  });

  it('pauses for approval and resumes with the rejection reason sent to the model', async () => {
    server = await startFakeOpenAI([
      { content: 'Emailing the boss.', toolCalls: [{ id: 'mail', name: 'send_email', arguments: { to: 'boss@example.com', body: 'hi' } }] },
      { content: 'Understood, not sending.' },
    ]);
    const sent: { to: string; idempotencyKey: string }[] = [];
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent)] });
    const options = { model: 'openai:gpt-4o-mini', modelSettings: settings() };

    const paused = await runAgent(agent, 'mail the boss', options);
    expect(paused.status).toBe('AWAITING_APPROVAL');
    paused.state.reject(paused.state.pendingApprovals[0].approvalId, 'the boss is on holiday');
    const result = await runAgent(agent, paused.state, options);

    expect(result.status === 'COMPLETED' && result.answer).toBe('Understood, not sending.');
    expect(sent).toEqual([]);
    expect(server.requests[1].messages.find((message) => message.tool_call_id === 'mail')?.content).toBe('rejected by human operator: the boss is on holiday');
  });

  it('speaks the text protocol to models without function calling', async () => {
    server = await startFakeOpenAI([
      { content: 'Thought: I need the sum.\nAction: add\nAction Input: {"a": 4, "b": 5}' },
      { content: 'Thought: I know it.\nFinal Answer: 9' },
    ]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], toolCalling: 'text' });

    const result = await runAgent(agent, 'What is 4+5?', { model: 'openai:llama3', modelSettings: settings() });

    expect(result.status === 'COMPLETED' && result.answer).toBe('9');
    expect(server.requests[0].tools).toBeUndefined();
    expect(server.requests[0].messages[0].content).toContain('Action Input');
    expect(server.requests[1].messages.at(-1)).toMatchObject({ role: 'user', content: 'Observation: {"sum":9}' });
  });
});
