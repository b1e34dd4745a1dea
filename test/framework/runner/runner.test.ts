import { z } from 'zod';
import { RunState, defineAgent, defineTool, runAgent, type StepwiseEvent } from '../../../framework';
import { scriptedModel } from '../../../framework/testing';
import { add, rendezvousTool, sendEmailTool } from '../../helpers/test-tools';

const toolMessages = (request: { messages: readonly { role: string }[] }) => request.messages.filter((message) => message.role === 'tool') as unknown as { toolCallId: string; content: string }[];

describe('runAgent (native tool calling)', () => {
  it('runs a tool and answers from its result', async () => {
    const model = scriptedModel([{ toolCalls: [{ id: 'c1', name: 'add', args: { a: 2, b: 3 } }] }, { text: 'The sum is 5' }]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model });

    const result = await runAgent(agent, 'What is 2 + 3?');

    expect(result.status).toBe('COMPLETED');
    expect(result.status === 'COMPLETED' && result.answer).toBe('The sum is 5');
    expect(toolMessages(model.requests[1])).toEqual([expect.objectContaining({ toolCallId: 'c1', content: '{"sum":5}' })]);
    expect(model.requests[0].tools[0]).toMatchObject({ name: 'add', parameters: { type: 'object', additionalProperties: false, required: ['a', 'b'] } });
  });

  it('executes the parallel tool calls of one turn concurrently', async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'rendezvous', args: { label: 'x' } }, { name: 'rendezvous', args: { label: 'y' } }] }, { text: 'met' }]);
    const agent = defineAgent({ name: 'para', description: 'meets', tools: [rendezvousTool(2)], model });

    const result = await runAgent(agent, 'meet');

    expect(result.status).toBe('COMPLETED');
    expect(toolMessages(model.requests[1]).map((message) => JSON.parse(message.content))).toEqual([{ label: 'x', met: 2 }, { label: 'y', met: 2 }]);
  });

  it('turns unknown tools and invalid arguments into observations the model can correct', async () => {
    const model = scriptedModel([
      { toolCalls: [{ id: 'u', name: 'multiply', args: { a: 1 } }, { id: 'v', name: 'add', args: { a: 'two', b: 3 } }] },
      { toolCalls: [{ id: 'w', name: 'add', args: { a: 2, b: 3 } }] },
      { text: '5' },
    ]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model });

    const result = await runAgent(agent, 'add');

    const [unknown, invalid] = toolMessages(model.requests[1]);
    expect(unknown.content).toContain('Unknown tool "multiply". Available tools: add');
    expect(invalid.content).toMatch(/Invalid arguments for tool "add": a: .*expected number/);
    expect(result.status).toBe('COMPLETED');
  });

  it('stops at maxIterations with a named error instead of looping', async () => {
    const model = scriptedModel(() => ({ toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }] }));
    const agent = defineAgent({ name: 'loop', description: 'loops', tools: [add], model, maxIterations: 3 });

    const result = await runAgent(agent, 'forever');

    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.MaxIterationsExceeded');
    expect(result.iterations).toBe(3);
  });

  it('stops when the token budget is used up', async () => {
    const model = scriptedModel(() => ({ toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }], usage: { inputTokens: 600, outputTokens: 100 } }));
    const agent = defineAgent({ name: 'budget', description: 'spends', tools: [add], model, budget: { maxTokens: 1_000 } });

    const result = await runAgent(agent, 'spend');

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.BudgetExceeded');
    expect(result.iterations).toBe(2);
  });

  it('ends cleanly with Stepwise.Aborted when the abort signal fires during a model call', async () => {
    const controller = new AbortController();
    const model = { id: 'hanging', generate: (request: { signal?: AbortSignal }) => new Promise<never>((_, reject) => {
      request.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      controller.abort('user pressed Ctrl-C');
    }) };
    const agent = defineAgent({ name: 'hang', description: 'hangs', tools: [add], model });

    const result = await runAgent(agent, 'hang', { signal: controller.signal });

    expect(result.status === 'FAILED' && result.error).toEqual({ name: 'Stepwise.Aborted', message: 'The run was aborted: user pressed Ctrl-C' });
  });

  it('starts no queued tool call after an abort, and leaves them to be run on resume', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const slow = defineTool({ name: 'slow', description: 'slow', parameters: z.object({ n: z.number() }), execute: async ({ n }) => {
      started.push(n);
      if (n === 1) controller.abort('stop');
      return n;
    } });
    const model = scriptedModel([{ toolCalls: [1, 2, 3, 4].map((n) => ({ name: 'slow', args: { n } })) }, { text: 'done' }]);
    const agent = defineAgent({ name: 'q', description: 'q', tools: [slow], model });
    const checkpoints: string[] = [];

    const result = await runAgent(agent, 'go', { signal: controller.signal, toolConcurrency: 1, onCheckpoint: async (state) => void checkpoints.push(state.status) });

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.Aborted');
    expect(started).toEqual([1]);
    expect(checkpoints).not.toContain('FAILED');
  });

  it('does not run an approved side effect when the resumed run is already aborted', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const model = scriptedModel([{ toolCalls: [{ id: 'e', name: 'send_email', args: { to: 'a@example.com', body: 'x' } }] }, { text: 'done' }]);
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent)], model });
    const paused = await runAgent(agent, 'mail');
    paused.state.approve(paused.state.pendingApprovals[0].approvalId);
    const controller = new AbortController();
    controller.abort('the workflow stopped waiting');

    const result = await runAgent(agent, paused.state, { signal: controller.signal });

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.Aborted');
    expect(sent).toEqual([]);
  });

  it('keeps large results whole in the run state but shows the model a preview', async () => {
    const big = defineTool({ name: 'big', description: 'big', parameters: z.object({}), execute: () => 'x'.repeat(20_000) });
    const model = scriptedModel([{ toolCalls: [{ id: 'b', name: 'big', args: {} }] }, { text: 'ok' }]);
    const agent = defineAgent({ name: 'big', description: 'big', tools: [big], model });

    const result = await runAgent(agent, 'go');

    expect(toolMessages(model.requests[1])[0].content.length).toBeLessThan(4_300);
    expect(toolMessages(model.requests[1])[0].content).toContain('full result is kept in the run state under call b');
    expect((result.state.ledger.b.result as string).length).toBe(20_000);
  });

  it('emits typed events for every step, in order', async () => {
    const events: StepwiseEvent[] = [];
    const model = scriptedModel([{ text: 'adding', toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { text: '3' }]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model });

    await runAgent(agent, 'add', { onEvent: (event) => void events.push(event) });

    expect(events.map((event) => event.type)).toEqual([
      'run.started', 'usage.updated', 'model.step', 'tool.called', 'tool.completed', 'usage.updated', 'model.step', 'run.completed',
    ]);
    expect(events[2]).toMatchObject({ thought: 'adding', iteration: 1, agent: 'calc' });
  });
});

describe('runAgent approvals', () => {
  const approvalScript = () => scriptedModel([
    { text: 'I will email the result', toolCalls: [{ id: 'e', name: 'send_email', args: { to: 'ops@example.com', body: 'hi' } }, { id: 'a', name: 'add', args: { a: 1, b: 1 } }] },
    { text: 'done' },
  ]);

  it('pauses for approval while calls that need none still run', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent), add], model: approvalScript() });

    const result = await runAgent(agent, 'mail it', { runId: 'run-1' });

    expect(result.status).toBe('AWAITING_APPROVAL');
    if (result.status !== 'AWAITING_APPROVAL') return;
    expect(result.approvals).toEqual([expect.objectContaining({ callId: 'e', tool: 'send_email', args: { to: 'ops@example.com', body: 'hi' }, reasoning: 'I will email the result' })]);
    expect(result.state.ledger.a.status).toBe('completed');
    expect(sent).toHaveLength(0);
  });

  it('resumes after approval from a serialized state and runs the call once with its idempotency key', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const model = approvalScript();
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent), add], model });
    const paused = await runAgent(agent, 'mail it', { runId: 'run-1' });
    const state = RunState.fromJSON(JSON.parse(JSON.stringify(paused.state.toJSON())));

    state.approve(state.pendingApprovals[0].approvalId, { args: { to: 'boss@example.com', body: 'hi' } });
    const result = await runAgent(agent, state);

    expect(result.status).toBe('COMPLETED');
    expect(sent).toEqual([{ to: 'boss@example.com', idempotencyKey: 'run-1:e' }]);
    expect(toolMessages(model.requests[1]).map((message) => message.toolCallId)).toEqual(['e', 'a']);
  });

  it('tells the model a rejection and its reason', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const model = approvalScript();
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent), add], model });
    const paused = await runAgent(agent, 'mail it');

    paused.state.reject(paused.state.pendingApprovals[0].approvalId, 'not to that address');
    await runAgent(agent, paused.state);

    expect(sent).toHaveLength(0);
    expect(toolMessages(model.requests[1])[0].content).toBe('rejected by human operator: not to that address');
  });

  it('refuses edited arguments that do not match the schema, changing nothing', async () => {
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool([]), add], model: approvalScript() });
    const paused = await runAgent(agent, 'mail it');
    paused.state.approve(paused.state.pendingApprovals[0].approvalId, { args: { to: 'not-an-email', body: 'hi' } });

    await expect(runAgent(agent, paused.state)).rejects.toThrow(/Edited arguments .* invalid.*to:/);
    expect(paused.state.status).toBe('AWAITING_APPROVAL');
    expect(paused.state.pendingApprovals).toHaveLength(1);
  });

  it('refuses edited arguments with a key the tool does not have, naming it, instead of dropping it', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent), add], model: approvalScript() });
    const paused = await runAgent(agent, 'mail it');
    const { args } = paused.state.pendingApprovals[0];
    paused.state.approve(paused.state.pendingApprovals[0].approvalId, { args: { ...args, too: 'boss@example.com' } });

    await expect(runAgent(agent, paused.state)).rejects.toThrow(/Edited arguments .* invalid.*too: is not a parameter of send_email \(its parameters: to, body\)/);
    expect(sent).toHaveLength(0);
    expect(paused.state.status).toBe('AWAITING_APPROVAL');
  });

  it('re-invokes a call that was started when the process died, with the same idempotency key, and never re-runs completed ones', async () => {
    const keys: string[] = [];
    const counted = defineTool({ name: 'count', description: 'counts', parameters: z.object({ n: z.number() }), execute: ({ n }, context) => { keys.push(`${n}@${context.idempotencyKey}`); return n; } });
    const model = scriptedModel((request) =>
      request.messages.some((message) => message.role === 'tool') ? { text: 'done' } : { toolCalls: [{ id: 'one', name: 'count', args: { n: 1 } }, { id: 'two', name: 'count', args: { n: 2 } }] });
    const agent = defineAgent({ name: 'counter', description: 'counts', tools: [counted], model });
    const snapshots: unknown[] = [];
    await runAgent(agent, 'count', { runId: 'r', onCheckpoint: async (state) => void snapshots.push(state.toJSON()), toolConcurrency: 1 });
    // The checkpoint written after "one" completed and "two" was marked started: the moment before a crash.
    const crashed = snapshots.map((json) => RunState.fromJSON(json)).find((state) => state.ledger.one?.status === 'completed' && state.ledger.two?.status === 'started')!;
    keys.length = 0;

    const resumed = await runAgent(agent, crashed);

    expect(resumed.status).toBe('COMPLETED');
    expect(keys).toEqual(['2@r:two']);
  });
});

describe('runAgent (text protocol)', () => {
  it('follows Thought/Action/Action Input and asks the model to fix a malformed reply', async () => {
    const model = scriptedModel([
      { text: 'Thought: I should add\nAction: add\nAction Input: ```json\n{"a": 2, "b": 2}\n```\nI hope this works.' },
      { text: 'Thought: now the answer\nAction: add' },
      { text: 'Thought: done\nFinal Answer: 4' },
    ]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model, toolCalling: 'text' });

    const result = await runAgent(agent, 'What is 2 + 2?');

    expect(result.status === 'COMPLETED' && result.answer).toBe('4');
    const secondRequest = model.requests[1];
    expect(secondRequest.messages.some((message) => message.role === 'tool')).toBe(false);
    expect(secondRequest.messages.at(-1)).toEqual({ role: 'user', content: 'Observation: {"sum":4}' });
    expect(model.requests[2].messages.at(-1)?.content).toMatch(/^Observation: your reply did not follow the format/);
    expect(secondRequest.instructions).toContain('Action Input');
  });
});
