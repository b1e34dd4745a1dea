import { EventType, defineAgent, openAIModel, runAgent, type StepwiseEvent } from '../../../framework';
import { TextDeltaCoalescer } from '../../../framework/runner/text-deltas';
import { startFakeOpenAI, type FakeOpenAIServer } from '../../helpers/fake-openai-server';
import { add } from '../../helpers/test-tools';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('streamed text in a run', () => {
  it('reaches the events before the step it belongs to, coalesced into a few events', async () => {
    const thought = 'I will add the two numbers with the tool. '.repeat(20);
    const answer = 'The sum of 1 and 2 is 3. '.repeat(40);
    server = await startFakeOpenAI([{ content: thought, toolCalls: [{ id: 'a', name: 'add', arguments: { a: 1, b: 2 } }], chunkChars: 2 }, { content: answer, chunkChars: 2 }]);
    const events: StepwiseEvent[] = [];
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add] });

    const result = await runAgent(agent, 'Add 1 and 2', { model: openAIModel({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: 'k' }), onEvent: (event) => void events.push(event) });

    expect(result.status === 'COMPLETED' && result.answer).toBe(answer);
    const textOf = (iteration: number) => events.filter((event) => event.type === EventType.TextDelta && event.iteration === iteration).map((event) => (event as { text: string }).text).join('');
    expect(textOf(1)).toBe(thought);
    expect(textOf(2)).toBe(answer);
    // Two characters per chunk would be 920 events; coalescing keeps it to a handful.
    expect(events.filter((event) => event.type === EventType.TextDelta).length).toBeLessThan(40);
    // Every delta of an iteration comes before that iteration's model.step.
    for (const iteration of [1, 2]) {
      const step = events.findIndex((event) => event.type === EventType.ModelStep && event.iteration === iteration);
      const lastDelta = events.findLastIndex((event) => event.type === EventType.TextDelta && event.iteration === iteration);
      expect(lastDelta).toBeGreaterThan(-1);
      expect(lastDelta).toBeLessThan(step);
    }
  });
});

describe('TextDeltaCoalescer', () => {
  it('emits at the size limit, on a new attempt and on flush, in order', async () => {
    const emitted: [string, number][] = [];
    const coalescer = new TextDeltaCoalescer(async (text, attempt) => void emitted.push([text, attempt]), { flushMs: 60_000, flushChars: 10 });

    coalescer.push('abcdef', 1);
    coalescer.push('ghijkl', 1);
    coalescer.push('mn', 1);
    coalescer.push('again', 2);
    await coalescer.flush();

    expect(emitted).toEqual([
      ['abcdefghijkl', 1],
      ['mn', 1],
      ['again', 2],
    ]);
  });

  it('emits a small buffer once it has waited long enough', async () => {
    const emitted: string[] = [];
    const coalescer = new TextDeltaCoalescer(async (text) => void emitted.push(text), { flushMs: 10, flushChars: 1_000 });

    coalescer.push('hello', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(emitted).toEqual(['hello']);
  });
});
