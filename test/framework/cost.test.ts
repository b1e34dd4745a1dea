import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import {
  ConfigDefinitionError,
  EventType,
  costBreakdown,
  defaultPriceTable,
  defineAgent,
  defineConfig,
  findModelPrice,
  lambdaTool,
  noResources,
  resolvePrices,
  runAgent,
  type StepwiseEvent,
} from '../../framework/internal';
import { scriptedModel } from '../../framework/testing';
import { add } from '../helpers/test-tools';

describe('the price table', () => {
  it('prices Bedrock models by id, inference profile and ARN, and OpenAI models by dated variant', () => {
    const sonnet = defaultPriceTable.models['anthropic.claude-sonnet-4-20250514-v1:0'];

    expect(findModelPrice('bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0', defaultPriceTable)).toEqual(sonnet);
    expect(findModelPrice('eu.anthropic.claude-sonnet-4-20250514-v1:0', defaultPriceTable)).toEqual(sonnet);
    expect(findModelPrice('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0', defaultPriceTable)).toEqual({ inputPerMillion: 0.8, outputPerMillion: 3.2 });
    expect(findModelPrice('gpt-4.1-mini-2025-04-14', defaultPriceTable)).toEqual(defaultPriceTable.models['gpt-4.1-mini']);
    expect(findModelPrice('openai:llama3.1', defaultPriceTable)).toBeUndefined();
  });

  it('takes overrides for the region, models and AWS prices from the config', () => {
    const prices = resolvePrices({ region: 'eu-west-1', models: { 'llama3.1': { inputPerMillion: 0, outputPerMillion: 0 } }, fargate: { x86_64: { vcpuHour: 0.04456, gbHour: 0.004865 } }, lambda: { gbSecond: 0.0000166667 } });

    expect(prices.region).toBe('eu-west-1');
    expect(findModelPrice('openai:llama3.1', prices)).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
    expect(prices.models['gpt-4o']).toEqual(defaultPriceTable.models['gpt-4o']);
    expect(prices.fargate).toEqual({ x86_64: { vcpuHour: 0.04456, gbHour: 0.004865 }, arm64: defaultPriceTable.fargate.arm64 });
    expect(prices.lambda).toEqual({ perMillionRequests: 0.2, gbSecond: 0.0000166667 });
  });

  it.each([
    [{ 'my-model': { inputPerMillion: 1, outputPerMillion: 2 } }, /prices\.my-model looks like a model price: model prices go under prices\.models/],
    [{ models: { x: { inputPerMillion: -1, outputPerMillion: 2 } } }, /prices\.models\["x"\]\.inputPerMillion must be a number ≥ 0/],
    [{ fargate: { sparc: { vcpuHour: 1, gbHour: 1 } } }, /prices\.fargate\.sparc is not a price Stepwise knows/],
    [{ stepFunctions: { perThousandTransitions: 'cheap' } }, /prices\.stepFunctions\.perThousandTransitions must be a number/],
  ])('refuses a config with bad prices, naming the field (%o)', (prices, message) => {
    expect(() => defineConfig({ agents: [defineAgent({ name: 'a', description: 'd', tools: [] })], prices: prices as never })).toThrow(message);
  });
});

describe('costBreakdown', () => {
  it('bills each container turn per second with a one-minute minimum, at its size, and adds every line', () => {
    const cost = costBreakdown(
      { 'gpt-4o-mini': { inputTokens: 1_000_000, outputTokens: 100_000 } },
      { ...noResources(), containerTurns: 2, containerBilledSeconds: 60, containerSeconds: 90.2, container: { vcpu: 0.5, memoryGb: 1, architecture: 'arm64' }, lambdaRequests: 10, lambdaGbSeconds: 2.5, workflowLambdaRequests: 1, workflowLambdaGbSeconds: 0.125, stateTransitions: 12 },
      defaultPriceTable,
    );

    expect(cost.model).toEqual({ usd: 0.21, byModel: { 'gpt-4o-mini': { inputTokens: 1_000_000, outputTokens: 100_000, usd: 0.21 } }, unpriced: [] });
    // 60 s before, and 91 s for the current turn.
    expect(cost.container).toMatchObject({ turns: 2, billedSeconds: 151, vcpuSeconds: 75.5, gbSeconds: 151, architecture: 'arm64' });
    expect(cost.container.usd).toBeCloseTo((75.5 * 0.03238 + 151 * 0.00356) / 3600, 8);
    expect(cost.lambda).toEqual({ requests: 11, gbSeconds: 2.625, usd: expect.closeTo(11 * 0.0000002 + 2.625 * 0.0000133334, 8) });
    expect(cost.stepFunctions).toEqual({ stateTransitions: 12, usd: 0.0003 });
    expect(cost.totalUsd).toBeCloseTo(0.21 + cost.container.usd + cost.lambda.usd + 0.0003, 8);
  });

  it('makes the total null and names the model when a model has no price', () => {
    const cost = costBreakdown({ 'llama3.1': { inputTokens: 10, outputTokens: 5 } }, noResources(), defaultPriceTable);

    expect(cost.totalUsd).toBeNull();
    expect(cost.model).toEqual({ usd: null, byModel: { 'llama3.1': { inputTokens: 10, outputTokens: 5, usd: null } }, unpriced: ['llama3.1'] });
  });
});

describe('the cost of a run', () => {
  it('is null with a warning naming the model and how to price it, when the model has no price', async () => {
    const events: StepwiseEvent[] = [];
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add] });

    const result = await runAgent(agent, 'add', { model: scriptedModel([{ text: 'done', usage: { inputTokens: 5, outputTokens: 1 } }], { id: 'llama3.1' }), onEvent: (event) => void events.push(event) });

    expect(result.status).toBe('COMPLETED');
    expect(result.costUsd).toBeNull();
    expect(result.cost.model.unpriced).toEqual(['llama3.1']);
    const warnings = events.filter((event) => event.type === EventType.Warning);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: expect.stringMatching(/No price for model "llama3\.1".*prices: \{ models: \{ 'llama3\.1'/) });
    expect(events.find((event) => event.type === EventType.RunCompleted)).toMatchObject({ costUsd: null });
  });

  it('refuses to start an agent with a cost budget on a model without a price, naming the model and how to add it', async () => {
    const agent = defineAgent({ name: 'frugal', description: 'adds', tools: [add], budget: { maxCostUsd: 0.5 } });
    const model = scriptedModel([{ text: 'never asked' }], { id: 'openai:llama3.1' });

    const start = runAgent(agent, 'add', { model });

    await expect(start).rejects.toThrow(ConfigDefinitionError);
    await expect(start).rejects.toThrow(/Agent "frugal" has budget\.maxCostUsd, but model "openai:llama3\.1" has no price.*models: \{ 'llama3\.1'/);
    expect(model.requests).toHaveLength(0);
  });

  it('counts a model priced in the config against the cost budget', async () => {
    const agent = defineAgent({ name: 'frugal', description: 'adds', tools: [add], budget: { maxCostUsd: 0.5 } });
    const model = scriptedModel(() => ({ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }], usage: { inputTokens: 200_000, outputTokens: 0 } }), { id: 'openai:llama3.1' });

    const result = await runAgent(agent, 'add', { model, prices: { models: { 'llama3.1': { inputPerMillion: 1, outputPerMillion: 1 } } } });

    expect(result.status === 'FAILED' && result.error.name).toBe('Stepwise.BudgetExceeded');
    expect(model.requests).toHaveLength(3); // $0.20 per call: the fourth would pass $0.50
  });

  it('bills each container turn at least a minute, also a container that re-runs a run that had already ended', async () => {
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add] });
    const container = (secondsAgo: number) => ({ container: { vcpu: 1, memoryGb: 2, architecture: 'x86_64' as const, startedAt: Date.now() - secondsAgo * 1000 } });

    const first = await runAgent(agent, 'add', { model: scriptedModel([{ text: 'done' }]), platform: container(30) });
    // The container died before reporting; the workflow runs the turn again and it reports the same answer.
    const again = await runAgent(agent, first.state, { model: scriptedModel([]), platform: container(5) });

    expect(first.cost.container).toMatchObject({ turns: 1, billedSeconds: 60, vcpuSeconds: 60, gbSeconds: 120, architecture: 'x86_64' });
    expect(again.status === 'COMPLETED' && again.answer).toBe('done');
    expect(again.cost.container).toMatchObject({ turns: 2, billedSeconds: 120 });
  });

  it('counts the billed GB-seconds of each Lambda invocation from its REPORT line', async () => {
    const lambda = mockClient(LambdaClient);
    const report = 'START RequestId: r1 Version: $LATEST\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 811.20 ms\tBilled Duration: 812 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t\n';
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ ok: true, result: { sum: 3 } })) as never, LogResult: Buffer.from(report).toString('base64') });
    const remote = lambdaTool({ name: 'add', description: 'adds', parameters: z.object({ a: z.number(), b: z.number() }), functionName: 'add-fn', client: new LambdaClient({ region: 'us-east-1' }) });
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [remote] });

    const result = await runAgent(agent, 'add', { model: scriptedModel([{ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { toolCalls: [{ name: 'add', args: { a: 3, b: 4 } }] }, { text: 'done' }]) });

    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input.LogType).toBe('Tail');
    expect(result.cost.lambda).toEqual({ requests: 2, gbSeconds: 1.624, usd: expect.closeTo(2 * 0.0000002 + 1.624 * 0.0000133334, 8) });
    expect(result.costUsd).toBe(result.cost.lambda.usd);
    lambda.restore();
  });
});
