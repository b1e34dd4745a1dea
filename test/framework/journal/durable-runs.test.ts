import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  CheckpointConflictError,
  InvalidInputError,
  MemoryCheckpointStore,
  RunNotFoundError,
  RunState,
  defineAgent,
  defineTool,
  foldJournal,
  loadRunState,
  runAgent,
  type Agent,
  type AnyTool,
  type CheckpointStore,
  type RunOptions,
} from '../../../framework/internal';
import { scriptedModel, type ScriptedReply } from '../../../framework/testing';
import { RecordingStore } from '../../helpers/recording-store';
import { add, sendEmailTool } from '../../helpers/test-tools';

/** What the store holds for `key`, folded: the state a resume would start from. */
async function stored(store: CheckpointStore, key: string): Promise<unknown> {
  const journal = await store.load(key);
  return journal && foldJournal(key, journal);
}

const echo = (options: { sideEffects?: boolean } = {}) =>
  defineTool({ name: 'echo', description: 'Echoes', parameters: z.object({ n: z.number() }), ...options, execute: ({ n }) => ({ n, text: `echo ${n}` }) });

/** An agent that calls `echo` once per iteration and answers after `iterations`. */
function loopAgent(iterations: number, tool: AnyTool = echo()): Agent {
  const model = scriptedModel((request) => {
    const done = request.messages.filter((message) => message.role === 'tool').length;
    return done < iterations - 1 ? { toolCalls: [{ name: 'echo', args: { n: done } }], usage: { inputTokens: 100, outputTokens: 20 } } : { text: `done after ${done}` };
  });
  return defineAgent({ name: 'looper', description: 'loops', tools: [tool], model, maxIterations: iterations + 1 });
}

describe('durable runs (runAgent with a checkpointStore)', () => {
  const flaky = defineTool({ name: 'flaky', description: 'Always fails', parameters: z.object({}), execute: () => Promise.reject(new Error('boom')) });
  const scenarios: { name: string; agent: () => Agent; drive: (store: CheckpointStore, options: RunOptions) => Promise<RunState> }[] = [
    {
      name: 'parallel calls, an unknown tool, invalid arguments and a failing tool',
      agent: () =>
        defineAgent({
          name: 'mixed',
          description: 'mixed',
          tools: [add, flaky],
          model: scriptedModel([
            { toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }, { name: 'add', args: { a: 'x', b: 2 } }, { name: 'multiply', args: {} }, { name: 'flaky', args: {} }] },
            { toolCalls: [{ name: 'add', args: { a: 3, b: 4 } }, { name: 'add', args: { a: 5, b: 6 } }] },
            { text: 'all done' },
          ]),
        }),
      drive: async (store, options) => (await runAgent(scenarios[0].agent(), 'go', { ...options, checkpointStore: store, runId: 'run-mixed' })).state,
    },
    {
      name: 'the text protocol with a malformed reply',
      agent: () =>
        defineAgent({
          name: 'texty',
          description: 'text',
          tools: [add],
          toolCalling: 'text',
          model: scriptedModel([{ text: 'I will just add.' }, { text: 'Thought: add\nAction: add\nAction Input: {"a": 4, "b": 5}' }, { text: 'Thought: done\nFinal Answer: 9' }]),
        }),
      drive: async (store, options) => (await runAgent(scenarios[1].agent(), 'add', { ...options, checkpointStore: store, runId: 'run-text' })).state,
    },
    {
      name: 'a pause for approval, an edited approval and a rejection across three runAgent calls',
      agent: () => {
        let step = 0;
        const replies: ScriptedReply[] = [
          { toolCalls: [{ name: 'send_email', args: { to: 'a@example.com', body: 'one' } }, { name: 'add', args: { a: 1, b: 1 } }] },
          { toolCalls: [{ name: 'send_email', args: { to: 'b@example.com', body: 'two' } }] },
          { text: 'sent what I could' },
        ];
        return defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool([]), add], model: scriptedModel(() => replies[step++]) });
      },
      drive: async (store, options) => {
        const agent = scenarios[2].agent();
        const first = await runAgent(agent, 'mail them', { ...options, checkpointStore: store, runId: 'run-mail' });
        if (first.status !== 'AWAITING_APPROVAL') throw new Error(`expected a pause, got ${first.status}`);
        first.state.approve(first.approvals[0].approvalId, { args: { to: 'edited@example.com', body: 'one, edited' }, reason: 'fixed the address' });
        const second = await runAgent(agent, first.state, { ...options, checkpointStore: store });
        if (second.status !== 'AWAITING_APPROVAL') throw new Error(`expected a second pause, got ${second.status}`);
        const resumed = (await loadRunState(store, 'run-mail'))!;
        resumed.reject(second.approvals[0].approvalId, 'not this one');
        return (await runAgent(agent, resumed, { ...options, checkpointStore: store })).state;
      },
    },
    {
      name: 'a follow-up of an earlier conversation (a session)',
      agent: () => defineAgent({ name: 'calc', description: 'adds', tools: [add], model: scriptedModel([{ toolCalls: [{ name: 'add', args: { a: 2, b: 2 } }] }, { text: 'four' }, { toolCalls: [{ name: 'add', args: { a: 4, b: 4 } }] }, { text: 'eight' }]) }),
      drive: async (store, options) => {
        const agent = scenarios[3].agent();
        const earlier = await runAgent(agent, 'two plus two', { checkpointStore: store, runId: 'run-earlier' });
        const followUp = RunState.continueSession(earlier.state, { task: 'and doubled?', runId: 'run-follow-up' });
        return (await runAgent(agent, followUp, { ...options, checkpointStore: store })).state;
      },
    },
  ];

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('keeps a journal that folds to exactly the state after every commit: %s', async (_name, scenario) => {
    // Prepare
    const store = new MemoryCheckpointStore();
    const mismatches: string[] = [];
    let commits = 0;
    // Act: one tool at a time, so the state does not move while a commit is checked
    const state = await scenario.drive(store, {
      toolConcurrency: 1,
      onCheckpoint: async (committed) => {
        commits += 1;
        const folded = await stored(store, committed.runId);
        // Through JSON on both sides: key order aside, the two must be the same data.
        if (!isDeepStrictEqual(JSON.parse(JSON.stringify(folded)), JSON.parse(JSON.stringify(committed.toJSON())))) mismatches.push(`commit ${committed.sequence}: ${JSON.stringify(folded)} !== ${JSON.stringify(committed.toJSON())}`);
      },
    });
    // Assess
    expect(commits).toBeGreaterThan(1);
    expect(mismatches).toEqual([]);
    expect(await stored(store, state.runId)).toEqual(state.toJSON());
  });

  it('folds to the final state when calls run in parallel and commit together', async () => {
    // Prepare
    const store = new RecordingStore();
    const model = scriptedModel([{ toolCalls: Array.from({ length: 6 }, (_, n) => ({ name: 'add', args: { a: n, b: n } })) }, { text: 'sums' }]);
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model });
    // Act
    const result = await runAgent(agent, 'add in parallel', { checkpointStore: store, runId: 'run-parallel', toolConcurrency: 6 });
    // Assess
    expect(result.status).toBe('COMPLETED');
    expect(await stored(store, 'run-parallel')).toEqual(result.state.toJSON());
    // Start, calls started, six completions settling together (fewer records than calls), the answer.
    expect(store.recordsOf('run-parallel').length).toBeLessThan(1 + 1 + 6 + 1);
  });

  it('appends records whose size depends on the step, not on how long the conversation is', async () => {
    // Prepare
    const bytesOfLastRecords = async (iterations: number): Promise<number[]> => {
      const store = new RecordingStore();
      const result = await runAgent(loopAgent(iterations), 'loop', { checkpointStore: store, runId: `run-${iterations}` });
      expect(result.status).toBe('COMPLETED');
      // The last records before the answer: "call started" and "call completed" of the last iterations.
      return store.recordsOf(`run-${iterations}`).slice(-11, -1).map((record) => record.json.length);
    };
    // Act
    const short = await bytesOfLastRecords(10);
    const long = await bytesOfLastRecords(200);
    // Assess
    const average = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(average(long)).toBeLessThan(average(short) * 1.2);
    expect(Math.max(...long)).toBeLessThan(2_000);
  });

  it('appends one record per iteration for a read-only tool and two for a tool with side effects', async () => {
    // Prepare
    const readOnly = new RecordingStore();
    const sideEffects = new RecordingStore();
    // Act
    await runAgent(loopAgent(21, echo({ sideEffects: false })), 'loop', { checkpointStore: readOnly, runId: 'run' });
    await runAgent(loopAgent(21, echo()), 'loop', { checkpointStore: sideEffects, runId: 'run' });
    // Assess: the start and the answer, plus per iteration (20 with a call)
    expect(readOnly.appends).toHaveLength(2 + 20);
    expect(sideEffects.appends).toHaveLength(2 + 2 * 20);
  });

  it('syncs once per iteration for a tool with side effects: the call\'s outcome shares the sync of the next step', async () => {
    // Prepare
    const store = new RecordingStore();
    // Act
    await runAgent(loopAgent(21, echo()), 'loop', { checkpointStore: store, runId: 'run' });
    // Assess: every "started" mark (and the start and the end) is synced before it returns; the outcomes defer
    const synced = store.appends.filter((append) => !append.deferSync);
    const deferred = store.appends.filter((append) => append.deferSync);
    expect(synced).toHaveLength(2 + 20);
    expect(deferred).toHaveLength(20);
    for (const append of deferred) expect(append.records[0].json).toMatch(/"status":"completed"/);
    expect(store.appends.at(-1)!.deferSync).toBe(false);
  });

  it('commits a call with side effects as started before it runs, and a read-only call only once it settled', async () => {
    // Prepare
    const store = new MemoryCheckpointStore();
    const seen: Record<string, string | undefined> = {};
    const probe = (name: string, sideEffects: boolean) =>
      defineTool({
        name,
        description: `Looks at its own ledger entry (${name})`,
        parameters: z.object({}),
        sideEffects,
        execute: async (_args, context) => {
          const state = (await loadRunState(store, context.executionId))!;
          seen[name] = state.ledger[context.callId]?.status;
          return {};
        },
      });
    const model = scriptedModel([{ toolCalls: [{ name: 'write', args: {} }] }, { toolCalls: [{ name: 'read', args: {} }] }, { text: 'ok' }]);
    const agent = defineAgent({ name: 'probe', description: 'probes', tools: [probe('write', true), probe('read', false)], model });
    // Act
    await runAgent(agent, 'go', { checkpointStore: store, runId: 'run-probe' });
    // Assess
    expect(seen).toEqual({ write: 'started', read: undefined });
  });

  it('deep-copies nothing per step: no structuredClone of the history while a durable run works', async () => {
    // Prepare
    const clone = jest.spyOn(globalThis, 'structuredClone');
    try {
      // Act
      const result = await runAgent(loopAgent(50), 'loop', { checkpointStore: new MemoryCheckpointStore(), runId: 'run' });
      // Assess
      expect(result.status).toBe('COMPLETED');
      expect(clone).not.toHaveBeenCalled();
    } finally {
      clone.mockRestore();
    }
  });

  it('compacts a long run into a snapshot, so a resume reads the snapshot and a short tail', async () => {
    // Prepare
    const store = new RecordingStore();
    const bulky = defineTool({ name: 'echo', description: 'Echoes a lot', parameters: z.object({ n: z.number() }), execute: ({ n }) => ({ n, text: 'x'.repeat(2_000) }) });
    // Act
    const result = await runAgent(loopAgent(120, bulky), 'loop', { checkpointStore: store, runId: 'run-long' });
    const journal = await store.load('run-long');
    const again = await runAgent(loopAgent(120, bulky), { resume: 'run-long' }, { checkpointStore: store });
    // Assess
    expect(store.compactions.length).toBeGreaterThan(0);
    expect(journal?.snapshot).toBeDefined();
    expect(journal!.records.length).toBeLessThan(store.recordsOf('run-long').length / 2);
    expect(foldJournal('run-long', journal!)).toEqual(result.state.toJSON());
    expect(again).toMatchObject({ status: 'COMPLETED', answer: 'done after 119' });
  });

  it('continues an interrupted run from its last commit with { resume }, running no completed call again', async () => {
    // Prepare
    const store = new MemoryCheckpointStore();
    const runs: number[] = [];
    const controller = new AbortController();
    const counting = defineTool({
      name: 'echo',
      description: 'Counts its runs',
      parameters: z.object({ n: z.number() }),
      execute: ({ n }) => {
        runs.push(n);
        if (n !== 3 || controller.signal.aborted) return Promise.resolve({ n });
        controller.abort(); // the process "dies" while this call runs: it never answers
        return new Promise<never>(() => undefined);
      },
    });
    const interrupted = await runAgent(loopAgent(6, counting), 'loop', { checkpointStore: store, runId: 'run-resume', signal: controller.signal, toolConcurrency: 1 });
    // Act
    const resumed = await runAgent(loopAgent(6, counting), { resume: 'run-resume' }, { checkpointStore: store });
    // Assess
    expect(interrupted).toMatchObject({ status: 'FAILED', interrupted: true });
    expect(resumed).toMatchObject({ status: 'COMPLETED', answer: 'done after 5' });
    // n = 3 was started but its outcome never committed: it runs again, with its idempotency key; nothing else does.
    expect(runs).toEqual([0, 1, 2, 3, 3, 4]);
  });

  it('says what is wrong with a resume that cannot be done, and refuses to start a run id that exists', async () => {
    // Prepare
    const store = new MemoryCheckpointStore();
    const agent = loopAgent(2);
    await runAgent(agent, 'loop', { checkpointStore: store, runId: 'run-1' });
    // Act
    const unknown = runAgent(agent, { resume: 'run-2' }, { checkpointStore: store });
    const withoutStore = runAgent(agent, { resume: 'run-1' });
    const again = runAgent(agent, 'loop', { checkpointStore: store, runId: 'run-1' });
    const otherAgent = runAgent(defineAgent({ name: 'other', description: 'other', tools: [add], model: scriptedModel([]) }), { resume: 'run-1' }, { checkpointStore: store });
    // Assess
    await expect(unknown).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(unknown).rejects.toThrow('holds no run "run-2"');
    await expect(withoutStore).rejects.toMatchObject({ name: 'InvalidInputError', field: 'checkpointStore' });
    await expect(again).rejects.toMatchObject({ field: 'runId', message: expect.stringContaining('{ resume: "run-1" }') });
    await expect(otherAgent).rejects.toBeInstanceOf(InvalidInputError);
    await expect(runAgent(agent, { resume: 'run-1' }, { checkpointStore: store })).resolves.toMatchObject({ status: 'COMPLETED' });
  });

  it('lets only one of two writers of the same run go on (a zombie cannot interleave)', async () => {
    // Prepare
    const store = new MemoryCheckpointStore();
    const model = scriptedModel(() => ({ text: 'answer' }));
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model });
    await runAgent(agent, 'answer', { checkpointStore: store, runId: 'run-twice', signal: AbortSignal.abort() });
    const [one, two] = [(await loadRunState(store, 'run-twice'))!, (await loadRunState(store, 'run-twice'))!];
    // Act
    const results = await Promise.allSettled([runAgent(agent, one, { checkpointStore: store }), runAgent(agent, two, { checkpointStore: store })]);
    // Assess
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0].reason).toBeInstanceOf(CheckpointConflictError);
    const winner = results.find((result) => result.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof runAgent>>>;
    expect(await stored(store, 'run-twice')).toEqual(winner.value.state.toJSON());
  });

  it('fails the run when a commit cannot be written, instead of going on without it', async () => {
    // Prepare
    const store = new RecordingStore();
    store.failAppend = { at: 3, error: new Error('disk full') };
    // Act
    const run = runAgent(loopAgent(5), 'loop', { checkpointStore: store, runId: 'run-broken' });
    // Assess
    await expect(run).rejects.toThrow('disk full');
  });
});
