import { EventType, type StepwiseEvent } from '../../framework';
import type { LocalEngine } from '../../local';
import { sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

interface ServerSentEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads a whole SSE stream (the engine ends it once the execution stopped and every event was sent). */
async function readStream(url: string, headers: Record<string, string> = {}): Promise<ServerSentEvent[]> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const parsed: ServerSentEvent = {};
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        if (field === 'id' || field === 'event' || field === 'data') parsed[field] = rest.join(': ');
      }
      return parsed;
    });
}

const event = (runId: string, type: typeof EventType.ModelStep, iteration: number): StepwiseEvent => ({
  type,
  runId,
  agent: 'scripted',
  at: new Date().toISOString(),
  iteration,
  thought: `step ${iteration}`,
  toolCalls: [],
  final: false,
});

describe('live progress from the local engine', () => {
  let engine: LocalEngine;
  let cleanup: () => void;

  beforeEach(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root);
  });

  afterEach(async () => {
    await engine.stop();
    cleanup();
  });

  const eventsUrl = (executionArn: string) => `${engine.endpoint}/executions/${encodeURIComponent(executionArn)}/events`;

  it('streams the events the container logged, then ends with the execution', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'slow', { delayMs: 600 });
    await engine.stores.events.append(executionArn, [event(executionArn, EventType.ModelStep, 1)]);

    const streamed = readStream(eventsUrl(executionArn));
    await engine.stores.events.append(executionArn, [event(executionArn, EventType.ModelStep, 2)]);
    await waitFor(sfn, executionArn);
    const received = await streamed;

    expect(received.map((each) => [each.id, each.event])).toEqual([
      ['1', EventType.ModelStep],
      ['2', EventType.ModelStep],
      [undefined, 'execution.ended'],
    ]);
    expect(JSON.parse(received[2].data!)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('resumes after Last-Event-ID without repeating what the client saw', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'complete');
    await engine.stores.events.append(executionArn, [1, 2, 3].map((iteration) => event(executionArn, EventType.ModelStep, iteration)));
    await waitFor(sfn, executionArn);

    const received = await readStream(eventsUrl(executionArn), { 'Last-Event-ID': '2' });

    expect(received.map((each) => each.id)).toEqual(['3', undefined]);
    expect(JSON.parse(received[0].data!)).toMatchObject({ iteration: 3, thought: 'step 3' });
  });

  it('answers 404 for an execution it does not know, and reports its health', async () => {
    const missing = await fetch(eventsUrl('arn:aws:states:us-east-1:000000000000:execution:scripted:missing'));
    const health = await fetch(`${engine.endpoint}/health`);

    expect(missing.status).toBe(404);
    expect(await health.json()).toMatchObject({ status: 'ok', stateMachines: ['scripted'] });
  });
});
