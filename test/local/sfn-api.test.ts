import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { mintTaskToken } from '../../local/executions/task-tokens';
import { MACHINE, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

const MACHINE_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${MACHINE}`;
const missingExecution = `arn:aws:states:us-east-1:000000000000:execution:${MACHINE}:missing`;

describe('the Step Functions API of the local engine', () => {
  let engine: LocalEngine;
  let cleanup: () => void;

  beforeAll(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root);
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  it('lists and describes the registered state machines', async () => {
    const sfn = sfnClient(engine);

    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE_ARN }));

    expect(stateMachines).toEqual([expect.objectContaining({ name: MACHINE, stateMachineArn: MACHINE_ARN, type: 'STANDARD' })]);
    expect(JSON.parse(described.definition!).StartAt).toBe('Initialize');
  });

  it.each([
    ['an unknown execution', () => new DescribeExecutionCommand({ executionArn: missingExecution }), ExecutionDoesNotExist],
    ['a malformed execution ARN', () => new DescribeExecutionCommand({ executionArn: 'not-an-arn' }), InvalidArn],
    [
      'an unknown state machine',
      () => new StartExecutionCommand({ stateMachineArn: `${MACHINE_ARN}-nope`, input: '{}' }),
      StateMachineDoesNotExist,
    ],
    ['input that is not JSON', () => new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, input: '{nope' }), InvalidExecutionInput],
    ['a malformed task token', () => new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' }), InvalidToken],
    ['a task token nobody issued', () => new SendTaskSuccessCommand({ taskToken: mintTaskToken(), output: '{}' }), TaskDoesNotExist],
  ])('refuses %s with the typed SDK exception', async (_what, command, exception) => {
    const sfn = sfnClient(engine);

    const sent = sfn.send(command() as never);

    await expect(sent).rejects.toBeInstanceOf(exception);
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const response = await fetch(engine.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.DeleteEverything' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('returns the running execution for a repeated name and input, and refuses other input', async () => {
    const sfn = sfnClient(engine);
    const first = await startScripted(sfn, 'slow', { delayMs: 30_000 }, 'same-name');

    const again = await startScripted(sfn, 'slow', { delayMs: 30_000 }, 'same-name');
    const different = startScripted(sfn, 'complete', {}, 'same-name');

    expect(again).toBe(first);
    await expect(different).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await sfn.send(new StopExecutionCommand({ executionArn: first, error: 'Test.Stop', cause: 'enough' }));
  });

  it('stops a running execution', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'slow', { delayMs: 30_000 });

    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Test.Stop', cause: 'enough' }));
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Test.Stop', cause: 'enough' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(events![0].type).toBe('ExecutionAborted');
  });

  it('lists executions by status, page by page', async () => {
    const sfn = sfnClient(engine);
    const arns = [await startScripted(sfn, 'complete'), await startScripted(sfn, 'complete')];
    await Promise.all(arns.map((arn) => waitFor(sfn, arn)));

    const firstPage = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN, statusFilter: 'SUCCEEDED', maxResults: 1 }));
    const secondPage = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN, statusFilter: 'SUCCEEDED', maxResults: 1, nextToken: firstPage.nextToken }),
    );

    const listed = [...firstPage.executions!, ...secondPage.executions!].map((execution) => execution.executionArn);
    expect(listed.sort()).toEqual([...arns].sort());
    expect(secondPage.nextToken).toBeUndefined();
  });

  it('pages through the history in either order', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'complete');
    await waitFor(sfn, executionArn);

    const newest = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }));
    const older = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2, nextToken: newest.nextToken }));

    expect(newest.events!.map((event) => event.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
    expect(older.events![0].id).toBe(newest.events![1].id! - 1);
  });
});
