import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { MACHINE, scriptedDefinition, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

describe('container failures on the local engine', () => {
  let engine: LocalEngine;
  let cleanup: () => void;

  beforeEach(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    // Long enough for a container's first heartbeat on a loaded 2-core machine (a Node start and
    // the SDK's load), short enough that the hang is noticed quickly.
    engine = await startTestEngine(temporary.root, {
      stateMachines: [{ name: MACHINE, definition: scriptedDefinition({ heartbeatSeconds: 4 }) }],
    });
  });

  afterEach(async () => {
    await engine.stop();
    cleanup();
  });

  it('re-runs a container that stopped sending heartbeats, and succeeds', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'hang-once');

    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('recovered after a hang');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const timedOut = events!.find((event) => event.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails).toMatchObject({ error: 'States.HeartbeatTimeout' });
    expect(events!.filter((event) => event.type === 'TaskScheduled')).toHaveLength(2);
  });

  it('fails the task with the exit code and stderr of a container that exits without a result', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'exit');

    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.TaskFailed');
    expect(execution.cause).toContain('exited with code 3');
    expect(execution.cause).toContain('something went badly wrong');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.filter((event) => event.type === 'TaskFailed')).toHaveLength(3);
  });

  it('fails the execution with the error a container sends with SendTaskFailure', async () => {
    const sfn = sfnClient(engine);

    const execution = await waitFor(sfn, await startScripted(sfn, 'task-failure'));

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Custom.Error', cause: 'scripted failure' });
  });

  it('runs two executions at the same time', async () => {
    const sfn = sfnClient(engine);

    const [first, second] = await Promise.all([startScripted(sfn, 'slow', { delayMs: 500 }), startScripted(sfn, 'complete')]);
    const [slow, quick] = await Promise.all([waitFor(sfn, first), waitFor(sfn, second)]);

    expect(JSON.parse(slow.output!).answer).toBe('slow and steady');
    expect(JSON.parse(quick.output!).answer).toBe('done: run complete');
  });
});
