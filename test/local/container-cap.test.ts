import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { ContainerSlots, LocalEngineConfigError, defaultMaxContainers, processContainerRunner, type ContainerRunner, type LocalEngine } from '../../local';
import { MACHINE, SCRIPTED_CONTAINER, scriptedDefinition, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

describe('the cap on containers running at once', () => {
  let engine: LocalEngine | undefined;
  let cleanup: () => void;
  let root: string;

  beforeEach(() => {
    ({ root, cleanup } = temporaryRoot());
  });

  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    cleanup();
  });

  it('runs three executions one container at a time with a cap of 1, and none times out while it waits for its turn', async () => {
    // Prepare: the real container runner, wrapped to see how many containers live at once.
    let endpoint = '';
    let alive = 0;
    let mostAlive = 0;
    let started = 0;
    const real = (): ContainerRunner =>
      processContainerRunner({
        entry: SCRIPTED_CONTAINER,
        env: { SCRIPTED_MARKER_DIR: root, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_SFN: endpoint },
      });
    const counting: ContainerRunner = {
      run(env, options) {
        started += 1;
        alive += 1;
        mostAlive = Math.max(mostAlive, alive);
        const handle = real().run(env, options);
        void handle.exited.then(() => (alive -= 1));
        return handle;
      },
    };
    // Each container takes longer than the heartbeat timeout, so the third waits in line for more
    // than two heartbeat periods: a heartbeat clock that ran in the queue would time it out.
    engine = await startTestEngine(root, { stateMachines: [{ name: MACHINE, definition: scriptedDefinition({ heartbeatSeconds: 2 }) }], container: counting, maxContainers: 1 });
    endpoint = engine.endpoint;
    const sfn = sfnClient(engine);
    // Act
    const arns = await Promise.all([0, 1, 2].map(() => startScripted(sfn, 'slow', { delayMs: 2_500 })));
    const executions = await Promise.all(arns.map((arn) => waitFor(sfn, arn)));
    // Assess
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(mostAlive).toBe(1);
    expect(started).toBe(3);
    for (const executionArn of arns) {
      const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      expect(events!.filter((event) => event.type === 'TaskTimedOut')).toEqual([]);
      expect(events!.filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'ecs')).toHaveLength(1);
    }
  });

  it('refuses a cap that is not a whole number of containers, naming the option', async () => {
    await expect(startTestEngine(root, { maxContainers: 0 })).rejects.toThrow(LocalEngineConfigError);
    await expect(startTestEngine(root, { maxContainers: 1.5 })).rejects.toThrow('maxContainers must be a whole number of containers, 1 or more (got 1.5)');
  });
});

describe('container slots', () => {
  it('grants slots first come, first served, and lets a waiter whose task closed leave the line', async () => {
    // Prepare
    const slots = new ContainerSlots(1);
    const order: string[] = [];
    const first = await slots.acquire(new AbortController().signal);
    const leaving = new AbortController();
    // Act
    const waiters = ['second', 'gone', 'third'].map((name) =>
      slots.acquire(name === 'gone' ? leaving.signal : new AbortController().signal).then((slot) => {
        order.push(slot ? name : `${name} (left)`);
        return slot;
      }),
    );
    leaving.abort();
    await Promise.resolve();
    const waitingAfterAbort = slots.waiting;
    first!.release();
    (await waiters[0])!.release();
    (await waiters[2])!.release();
    await Promise.all(waiters);
    // Assess
    expect(waitingAfterAbort).toBe(2);
    expect(order).toEqual(['gone (left)', 'second', 'third']);
    expect(slots.active).toBe(0);
  });

  it('derives the default cap from free memory and CPUs, and never goes below 1', () => {
    const gib = 1024 ** 3;
    expect(defaultMaxContainers({ freeMemoryBytes: 4 * gib, cpus: 2 })).toBe(8);
    expect(defaultMaxContainers({ freeMemoryBytes: 1 * gib, cpus: 8 })).toBe(4);
    expect(defaultMaxContainers({ freeMemoryBytes: 64 * 1024 * 1024, cpus: 2 })).toBe(1);
  });
});
