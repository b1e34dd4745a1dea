import { z } from 'zod';
import { MemoryCheckpointStore, defineAgent, defineConfig, defineTool, runAgent, type ToolContext } from '../../../framework';
import { scriptedModel } from '../../../framework/testing';
import { add } from '../../helpers/test-tools';

/** What a shop application gives its tools. */
interface Shop {
  readonly prices: ReadonlyMap<string, number>;
  readonly currency: string;
}

const shop: Shop = { prices: new Map([['apple', 0.5], ['pear', 0.75]]), currency: 'EUR' };

const price = defineTool({
  name: 'price',
  description: 'The price of an item',
  parameters: z.object({ item: z.string() }),
  sideEffects: false,
  execute: ({ item }, ctx: ToolContext<Shop>) => ({ item, price: ctx.context.prices.get(item) ?? null, currency: ctx.context.currency }),
});

const toolMessages = (request: { messages: readonly { role: string }[] }) => request.messages.filter((message) => message.role === 'tool') as unknown as { content: string }[];

describe('the tools\' context', () => {
  it('reaches a tool as ctx.context through runAgent(agent, task, { context })', async () => {
    const model = scriptedModel([{ toolCalls: [{ id: 'c1', name: 'price', args: { item: 'pear' } }] }, { text: 'A pear costs 0.75 EUR' }]);
    const agent = defineAgent({ name: 'shop', description: 'Prices', tools: [price, add], model });

    const result = await runAgent(agent, 'How much is a pear?', { context: shop });

    expect(result.status).toBe('COMPLETED');
    expect(JSON.parse(toolMessages(model.requests[1])[0].content)).toEqual({ item: 'pear', price: 0.75, currency: 'EUR' });
  });

  it('is given again to a durable run resumed from its checkpoint store', async () => {
    const store = new MemoryCheckpointStore();
    const model = scriptedModel([{ toolCalls: [{ id: 'c1', name: 'price', args: { item: 'apple' } }] }, { text: 'done' }]);
    const agent = defineAgent({ name: 'shop', description: 'Prices', tools: [price], model, approval: { tools: ['price'] } });

    const paused = await runAgent(agent, 'apple?', { context: shop, checkpointStore: store, runId: 'run-ctx' });
    expect(paused.status).toBe('AWAITING_APPROVAL');
    if (paused.status !== 'AWAITING_APPROVAL') return;
    paused.state.approve(paused.approvals[0].approvalId);
    const result = await runAgent(agent, paused.state, { context: { ...shop, currency: 'USD' }, checkpointStore: store });

    expect(result.status).toBe('COMPLETED');
    expect(JSON.parse(toolMessages(model.requests[1])[0].content)).toEqual({ item: 'apple', price: 0.5, currency: 'USD' });
  });

  it('fails a tool that needs a context when the run was given none, with an error naming the tool and where to pass it', async () => {
    const model = scriptedModel([{ toolCalls: [{ id: 'c1', name: 'price', args: { item: 'pear' } }] }, { text: 'no price' }]);
    const agent = defineAgent({ name: 'shop', description: 'Prices', tools: [price], model });

    // The compile error this would be is what the cast silences: the run starts as a JavaScript caller's would.
    const result = await (runAgent as (...args: unknown[]) => ReturnType<typeof runAgent>)(agent, 'How much is a pear?');

    expect(result.status).toBe('COMPLETED');
    const entry = Object.values(result.state.ledger)[0];
    expect(entry).toMatchObject({ tool: 'price', status: 'failed', error: { name: 'Stepwise.InvalidConfig' } });
    expect(entry.error?.message).toMatch(/^Tool "price" needs a context, but this run was given none: pass it as runAgent\(agent, task, \{ context \}\)/);
  });

  it('leaves tools that never read it running without one', async () => {
    const model = scriptedModel([{ toolCalls: [{ id: 'c1', name: 'add', args: { a: 1, b: 2 } }] }, { text: '3' }]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model });

    const result = await runAgent(agent, '1 + 2');

    expect(result.status === 'COMPLETED' && result.answer).toBe('3');
    expect(Object.values(result.state.ledger)[0]).toMatchObject({ status: 'completed', result: { sum: 3 } });
  });

  it('refuses a config whose context is not a function, and an agent still naming offlinePlan', () => {
    const agent = defineAgent({ name: 'shop', description: 'Prices', tools: [price] });
    expect(() => defineConfig({ agents: [agent], context: shop as never })).toThrow(/context must be a function of the environment/);
    expect(() => defineAgent({ name: 'old', description: 'Old style', tools: [add], offlinePlan: () => ({ thought: 't', answer: 'a' }) } as never)).toThrow(
      /offlinePlan is no longer an agent option; give the plan as its model instead: model: offlinePlanner\(plan\)/,
    );
  });
});
