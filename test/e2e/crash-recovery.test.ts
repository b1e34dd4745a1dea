import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { loadRunState, type LedgerEntry } from '../../framework/internal';
import type { LocalEngine } from '../../local';
import {
  containerPids,
  isOurContainer,
  countLines,
  outboxLines,
  progressEvents,
  seededRandom,
  sfnClient,
  startAgent,
  startLedgerEngine,
  temporaryProject,
  theContainer,
  waitFor,
  waitForEnd,
} from './e2e-harness';
import { SLOW_WRITE_MS } from '../fixtures/e2e-ledger.config';

/** Seeds of the "random" moments the container is killed at: fixed, so every run draws the same ones. */
const SEEDS = [20_240_611, 7];
/**
 * Short enough to notice a hung container soon, long enough for a container on a busy machine to
 * start and send its first heartbeat (a killed container is noticed at once, whatever this is).
 */
const HUNG_CONTAINER_HEARTBEAT_SECONDS = 5;

const runAgentTasks = (history: HistoryEvent[]) => ({
  scheduled: history.filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'ecs'),
  failed: history.filter((event) => event.type === 'TaskFailed').map((event) => event.taskFailedEventDetails!),
  timedOut: history.filter((event) => event.type === 'TaskTimedOut').map((event) => event.taskTimedOutEventDetails!),
});

const isGone = (pid: number): boolean => !isOurContainer(pid);

describe('a container that dies mid-run, end to end on the local engine', () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;
  let sfn: SFNClient;
  /** Containers a test signalled: never left behind, whatever the test's outcome. */
  const touched: number[] = [];

  const claimsOf = (executionArn: string): string[] => {
    const folder = path.join(project.outbox, 'claims');
    return existsSync(folder) ? readdirSync(folder).map(decodeURIComponent).filter((key) => key.startsWith(executionArn)) : [];
  };

  afterEach(async () => {
    // Only while it is still one of our containers: a pid that ended may belong to someone else now.
    for (const pid of touched.splice(0)) if (isOurContainer(pid)) process.kill(pid, 'SIGKILL');
    await engine.stop();
    project.cleanup();
  });

  it('retries a container killed (SIGKILL) in the middle of a side-effecting call: the effect happens once, completed calls are not re-run', async () => {
    project = temporaryProject();
    engine = await startLedgerEngine(project.root);
    sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'steady', { task: 'tea' });
    const pid = await theContainer(executionArn);
    // The slow write has claimed its idempotency key in the tool: the call is under way.
    const [claimed] = await waitFor(() => claimsOf(executionArn).length === 1 && claimsOf(executionArn), { what: 'slow_write to start' });

    process.kill(pid, 'SIGKILL');
    touched.push(pid);
    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toContain('slow_write={"written":"entry: tea"');
    // The first invocation finishes in the tool even though its caller died; the retry deduped on the same key.
    await waitFor(() => outboxLines(project.outbox, 'effects.log').length > 0, { what: 'the side effect' });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${claimed}`]);
    expect(outboxLines(project.outbox, 'dedupes.log')).toEqual([claimed]);
    const lookups = countLines(outboxLines(project.outbox, 'lookups.log'));
    expect(lookups).toEqual({ [`${executionArn}:offline_1_1`]: 1, [`${executionArn}:offline_3_1`]: 1 });
    const events = (await progressEvents(engine, executionArn)).map((logged) => logged.event);
    expect(events.filter((event) => event.type === 'run.started').map((event) => (event as { resumed: boolean }).resumed)).toEqual([false, true]);
    const { scheduled, failed } = runAgentTasks((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!);
    expect(scheduled).toHaveLength(2);
    expect(failed).toEqual([expect.objectContaining({ error: 'States.TaskFailed', cause: expect.stringContaining('exited on signal SIGKILL') })]);
  });

  it('lets a container stopped with SIGTERM (as ECS stops a task) hand its turn back at once: Stepwise.ContainerStopped, retried, the effect once', async () => {
    project = temporaryProject();
    // A long heartbeat: only the container's own report can end its turn soon.
    engine = await startLedgerEngine(project.root, { heartbeatSeconds: 600 });
    sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'steady', { task: 'tea' });
    const pid = await theContainer(executionArn);
    const [claimed] = await waitFor(() => claimsOf(executionArn).length === 1 && claimsOf(executionArn), { what: 'slow_write to start' });

    process.kill(pid, 'SIGTERM');
    touched.push(pid);
    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    await waitFor(() => outboxLines(project.outbox, 'effects.log').length > 0, { what: 'the side effect' });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${claimed}`]);
    const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    const { scheduled, failed, timedOut } = runAgentTasks(history);
    expect(scheduled).toHaveLength(2);
    expect(timedOut).toEqual([]);
    expect(failed).toEqual([expect.objectContaining({ error: 'Stepwise.ContainerStopped', cause: expect.stringContaining('SIGTERM') })]);
    // The interrupted call was never reported as failed: the resumed turn invoked it again, with the same key.
    const events = (await progressEvents(engine, executionArn)).map((logged) => logged.event);
    expect(events.filter((event) => event.type === 'tool.failed')).toEqual([]);
    expect(events.map((event) => event.type)).toContain('run.interrupted');
  });

  it('retries a container that hangs (no heartbeats) after HeartbeatSeconds, and the side effect still happens once', async () => {
    project = temporaryProject();
    engine = await startLedgerEngine(project.root, { heartbeatSeconds: HUNG_CONTAINER_HEARTBEAT_SECONDS });
    sfn = sfnClient(engine);
    const executionArn = await startAgent(sfn, 'steady', { task: 'tea' });
    const pid = await theContainer(executionArn);
    const [claimed] = await waitFor(() => claimsOf(executionArn).length === 1 && claimsOf(executionArn), { what: 'slow_write to start' });

    // A frozen container: alive, but it sends no heartbeat and no result.
    process.kill(pid, 'SIGSTOP');
    touched.push(pid);
    const execution = await waitForEnd(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    await waitFor(() => outboxLines(project.outbox, 'effects.log').length > 0, { what: 'the side effect' });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${claimed}`]);
    expect(outboxLines(project.outbox, 'dedupes.log')).toEqual([claimed]);
    expect(Object.values(countLines(outboxLines(project.outbox, 'lookups.log')))).toEqual([1, 1]);
    const { scheduled, timedOut } = runAgentTasks((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!);
    expect(scheduled).toHaveLength(2);
    expect(timedOut).toEqual([expect.objectContaining({ error: 'States.HeartbeatTimeout' })]);
    // The engine ended the hung container when it gave up on it.
    expect(isGone(pid)).toBe(true);
  });

  // The kill lands at a seeded moment of the container's first second of work. The run lasts longer
  // (slow_write alone takes SLOW_WRITE_MS), so the container is always killed before it reports,
  // at whichever step it is in: a model step, a lookup, or the slow write.
  it.each(SEEDS.map((seed) => [seed, Math.floor(seededRandom(seed)() * SLOW_WRITE_MS)]))(
    'resumes from the checkpoint after a SIGKILL at a random step (seed %i: %i ms into the run)',
    async (_seed, delayMs) => {
      project = temporaryProject();
      engine = await startLedgerEngine(project.root);
      sfn = sfnClient(engine);
      const executionArn = await startAgent(sfn, 'steady', { task: 'tea' });
      const pid = await theContainer(executionArn);
      await waitFor(async () => (await progressEvents(engine, executionArn)).length > 0, { what: 'the run to start' });
      await new Promise((resolve) => setTimeout(resolve, delayMs));

      process.kill(pid, 'SIGKILL');
      touched.push(pid);
      await waitFor(() => isGone(pid), { what: 'the killed container to end' });
      const checkpoint = await loadRunState(engine.stores.checkpoints, executionArn);
      const execution = await waitForEnd(sfn, executionArn);

      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output!).answer).toMatch(/^observed: lookup=.* \| slow_write=.* \| lookup=/);
      await waitFor(() => outboxLines(project.outbox, 'effects.log').length > 0, { what: 'the side effect' });
      expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${executionArn}:offline_2_1`]);
      expect(outboxLines(project.outbox, 'dedupes.log').length).toBeLessThanOrEqual(1);
      // Every call the dead container had committed as completed ran exactly once.
      const ledger: Readonly<Record<string, LedgerEntry>> = checkpoint?.ledger ?? {};
      const lookups = countLines(outboxLines(project.outbox, 'lookups.log'));
      for (const entry of Object.values(ledger).filter((candidate) => candidate.status === 'completed' && candidate.tool === 'lookup')) {
        expect(lookups[entry.idempotencyKey]).toBe(1);
      }
      const { scheduled, failed } = runAgentTasks((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!);
      expect(scheduled).toHaveLength(2);
      expect(failed).toEqual([expect.objectContaining({ cause: expect.stringContaining('SIGKILL') })]);
      // The resumed container exits once it has reported; nothing is left running.
      await waitFor(() => containerPids(executionArn).length === 0, { what: 'the containers to exit' });
    },
  );
});
