import { z } from 'zod';
import { ConfigDefinitionError, RunState, ToolSchemaError, defaultPriceTable, defineAgent, defineConfig, defineTool, findModelPrice, tokenCost } from '../../framework/internal';
import { add } from '../helpers/test-tools';

const noop = () => null;

describe('defineTool', () => {
  it('gives the model a closed schema with every property required', () => {
    const tool = defineTool({
      name: 'search',
      description: 'Searches',
      parameters: z.object({ query: z.string().describe('what to find'), filters: z.object({ year: z.number().int().nullable() }), tags: z.array(z.enum(['a', 'b'])) }),
      execute: noop,
    });

    expect(tool.jsonSchema).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string', description: 'what to find' },
        filters: { type: 'object', properties: { year: { anyOf: [{ type: 'integer', minimum: expect.any(Number), maximum: expect.any(Number) }, { type: 'null' }] } }, required: ['year'], additionalProperties: false },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
      },
      required: ['query', 'filters', 'tags'],
      additionalProperties: false,
    });
  });

  it.each([
    ['an optional field', z.object({ query: z.string(), limit: z.number().optional() }), 'limit'],
    ['a default', z.object({ limit: z.number().default(5) }), 'limit'],
    ['a nested optional field', z.object({ filters: z.object({ year: z.number().optional() }) }), 'filters.year'],
    ['an open record', z.object({ labels: z.record(z.string(), z.string()) }), 'labels'],
    ['a date', z.object({ when: z.date() }), 'when'],
  ])('rejects %s at definition time, naming the field', (_case, parameters, field) => {
    const define = () => defineTool({ name: 't', description: 'd', parameters, execute: noop });

    expect(define).toThrow(ToolSchemaError);
    expect(define).toThrow(`parameter "${field}"`);
  });

  it('validates arguments before execute, naming the field and what was expected', () => {
    expect(() => add.parse({ a: 1, b: 'x' })).toThrow('Invalid arguments for tool "add": b: Invalid input: expected number, received string');
    expect(() => add.parse({ a: 1 })).toThrow(/b: .*expected number, received undefined/);
  });

  it('refuses names function calling cannot carry', () => {
    expect(() => defineTool({ name: 'has space', description: 'd', parameters: z.object({}), execute: noop })).toThrow(ConfigDefinitionError);
  });
});

describe('defineAgent and defineConfig', () => {
  it('rejects duplicate tool names, empty names and bad budgets with what to fix', () => {
    expect(() => defineAgent({ name: 'a', description: 'd', tools: [add, add] })).toThrow('Agent "a" has two tools named "add": tool names must be unique');
    expect(() => defineAgent({ name: ' ', description: 'd', tools: [] })).toThrow('Agent name is empty');
    expect(() => defineAgent({ name: 'a', description: 'd', tools: [], budget: { maxCostUsd: -1 } })).toThrow('budget.maxCostUsd must be a positive number');
    expect(() => defineAgent({ name: 'a', description: 'd', tools: [], maxIterations: 2.5 })).toThrow('maxIterations must be a positive integer');
    expect(() => defineAgent({ name: 'a', description: 'd', tools: [], approval: { tools: ['missing'] } })).toThrow('approval.tools names "missing"');
  });

  it('applies the documented defaults', () => {
    const agent = defineAgent({ name: 'a', description: 'd', tools: [add] });

    expect(agent).toMatchObject({ toolCalling: 'native', maxIterations: 10, approval: { timeoutSeconds: 86_400, tools: [] } });
  });

  it('finds agents by name and lists them when the name is wrong', () => {
    const config = defineConfig({ agents: [defineAgent({ name: 'a', description: 'd', tools: [] }), defineAgent({ name: 'b', description: 'd', tools: [] })] });

    expect(config.agent('b').name).toBe('b');
    expect(() => config.agent('c')).toThrow('No agent named "c". Agents in this config: a, b');
    expect(() => defineConfig({ agents: [] })).toThrow('at least one agent');
  });
});

describe('cost', () => {
  it('prices dated model variants and knows no price for unknown models', () => {
    expect(findModelPrice('openai:gpt-4o-mini-2024-07-18', defaultPriceTable)).toEqual(defaultPriceTable.models['gpt-4o-mini']);
    expect(tokenCost(findModelPrice('gpt-4o', defaultPriceTable)!, { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(12.5);
    expect(findModelPrice('my-local-llama', defaultPriceTable)).toBeUndefined();
  });
});

describe('RunState', () => {
  it('round-trips through JSON and refuses other schema versions', () => {
    const state = RunState.start({ agent: 'a', task: 'hello', runId: 'r1' });
    const copy = RunState.fromJSON(JSON.parse(JSON.stringify(state)));

    expect(copy.toJSON()).toEqual(state.toJSON());
    expect(() => RunState.fromJSON({ ...state.toJSON(), schemaVersion: 99 })).toThrow('Run state schemaVersion 99 is not supported');
  });

  it('refuses decisions for approvals that are not pending', () => {
    const state = RunState.start({ agent: 'a', task: 'hello' });

    expect(() => state.approve('apv-nope')).toThrow('No pending approval "apv-nope". Pending: (none)');
  });
});
