import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

describe('an execution on the local engine', () => {
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

  it('runs the container and succeeds with its answer', async () => {
    const sfn = sfnClient(engine);

    const executionArn = await startScripted(sfn, 'complete');
    const execution = await waitFor(sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ answer: 'done: run complete', iterations: 1 });
    expect(execution.startDate).toBeInstanceOf(Date);
    expect(execution.stopDate).toBeInstanceOf(Date);
  });

  it('records an AWS-shaped history of the run', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'complete');
    await waitFor(sfn, executionArn);

    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));

    const types = events!.map((event) => event.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = events!.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({ resourceType: 'ecs', resource: 'runTask.waitForTaskToken', heartbeatInSeconds: 3, timeoutInSeconds: 60 });
    expect(events![1].previousEventId).toBe(events![0].id);
  });

  it('fails with the error of a failed turn', async () => {
    const sfn = sfnClient(engine);

    const execution = await waitFor(sfn, await startScripted(sfn, 'failed-turn'));

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Stepwise.ModelError', cause: 'the model broke' });
  });
});
