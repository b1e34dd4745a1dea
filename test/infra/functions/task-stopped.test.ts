import { InvalidToken, SFNClient, SendTaskFailureCommand, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../../framework';
import { classifyStoppedTask, createStoppedTaskReporter, type StoppedTaskReport } from '../../../infra/functions/fail-stopped-task';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-secret-task-token';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:Stepwise-research:run-1';
const sfn = mockClient(SFNClient);
let logged: string[];
let report: (event: unknown) => Promise<StoppedTaskReport>;

/** An "ECS Task State Change" event as EventBridge delivers it, for a task the RunAgent state started. */
function stoppedEvent(detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'a0d7a6a1-1c2b-4a64-9d6b-2ad1e0b0f5a2',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: '2030-01-01T00:02:10Z',
    region: 'us-east-1',
    resources: ['arn:aws:ecs:us-east-1:123456789012:task/Stepwise-Cluster/0f2d1c'],
    detail: {
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/Stepwise-Cluster',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/Stepwise-Cluster/0f2d1c',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/StepwisePlatformAgentresearchTaskDefinition:4',
      group: 'family:StepwisePlatformAgentresearchTaskDefinition',
      launchType: 'FARGATE',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-assets:abc: not found',
      overrides: {
        containerOverrides: [
          {
            name: 'agent',
            environment: [
              { name: 'STEPWISE_TASK_TOKEN', value: TOKEN },
              { name: 'STEPWISE_EXECUTION_ARN', value: EXECUTION_ARN },
              { name: 'STEPWISE_AGENT', value: 'research' },
            ],
          },
        ],
      },
      containers: [{ name: 'agent', lastStatus: 'STOPPED', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/Stepwise-Cluster/0f2d1c' }],
      ...detail,
    },
  };
}

beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskFailureCommand).resolves({});
  report = createStoppedTaskReporter({ sfn: new SFNClient({ region: 'us-east-1' }) });
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
  jest.spyOn(console, 'warn').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
});

afterEach(() => jest.restoreAllMocks());

describe('a task that stopped before its container answered', () => {
  it('fails the RunAgent task at once with ECS\'s stopped reason, not after three heartbeat timeouts', async () => {
    const outcome = await report(stoppedEvent());

    expect(outcome).toEqual({ action: 'failed', error: ErrorName.ContainerStartFailed, executionArn: EXECUTION_ARN });
    const [call] = sfn.commandCalls(SendTaskFailureCommand);
    expect(call.args[0].input.taskToken).toBe(TOKEN);
    expect(call.args[0].input.error).toBe(ErrorName.ContainerStartFailed);
    expect(call.args[0].input.cause).toContain('CannotPullContainerError');
    expect(call.args[0].input.cause).toContain('not found');
    expect(call.args[0].input.cause).toContain('task-definition/StepwisePlatformAgentresearchTaskDefinition:4');
  });

  it('reports the container\'s exit code and reason when it crashed', async () => {
    const outcome = await report(
      stoppedEvent({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'agent', lastStatus: 'STOPPED', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
      }),
    );

    expect(outcome).toMatchObject({ action: 'failed', error: ErrorName.ContainerStopped });
    const cause = sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input.cause!;
    expect(cause).toContain('exit code 137');
    expect(cause).toContain('OutOfMemoryError');
  });

  it('clips the error name and the cause to what SendTaskFailure accepts', async () => {
    await report(stoppedEvent({ stopCode: 'TaskFailedToStart', stoppedReason: `ResourceInitializationError: ${'x'.repeat(40_000)}` }));

    const input = sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input;
    expect(input.error!.length).toBeLessThanOrEqual(256);
    expect(input.cause!.length).toBeLessThanOrEqual(32_768);
    expect(input.cause!.length).toBeGreaterThan(30_000);
  });

  it('never writes the task token to its logs', async () => {
    await report(stoppedEvent());

    expect(logged.join('\n')).toContain(EXECUTION_ARN);
    expect(logged.join('\n')).not.toContain(TOKEN);
  });
});

describe('a task whose token is already closed', () => {
  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'Invalid token', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])('is left alone quietly when SendTaskFailure answers %s (the container had already answered)', async (_name, error) => {
    sfn.on(SendTaskFailureCommand).rejects(error());

    const outcome = await report(stoppedEvent({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', containers: [{ name: 'agent', exitCode: 0 }] }));

    expect(outcome).toEqual({ action: 'already-answered', executionArn: EXECUTION_ARN });
  });

  it('lets any other Step Functions error through, so EventBridge retries the delivery', async () => {
    sfn.on(SendTaskFailureCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(report(stoppedEvent())).rejects.toThrow('Rate exceeded');
  });
});

describe('events that are not for a waiting RunAgent task', () => {
  it('ignores a task without a task token in its overrides (not started by the workflow)', async () => {
    const outcome = await report(stoppedEvent({ overrides: { containerOverrides: [{ name: 'agent', environment: [] }] } }));

    expect(outcome).toEqual({ action: 'ignored', reason: expect.stringContaining('STEPWISE_TASK_TOKEN') });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('ignores a task that has not stopped yet', async () => {
    const outcome = await report(stoppedEvent({ lastStatus: 'DEPROVISIONING' }));

    expect(outcome).toMatchObject({ action: 'ignored' });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('ignores an event that is not an ECS task state change, naming what is missing', async () => {
    const outcome = await report({ source: 'aws.ecs', detail: { lastStatus: 'STOPPED' } });

    expect(outcome).toEqual({ action: 'ignored', reason: expect.stringContaining('taskArn') });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });
});

describe('which stops the workflow retries', () => {
  it.each([
    ['TaskFailedToStart', 'CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref example.com/agent:1: not found'],
    ['TaskFailedToStart', "CannotPullContainerError: pull access denied for agent, repository does not exist or may require 'docker login'"],
    ['TaskFailedToStart', 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec is not authorized to perform: secretsmanager:GetSecretValue'],
    ['TaskFailedToStart', 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): ResourceNotFoundException: Secrets Manager can\'t find the specified secret.'],
    ['EssentialContainerExited', 'CannotStartContainerError: Error response from daemon: failed to create shim task: OCI runtime create failed: exec: "node": executable file not found in $PATH'],
  ])('does not retry a task that cannot start as deployed (%s: %s)', (stopCode, stoppedReason) => {
    expect(classifyStoppedTask({ stopCode, stoppedReason }).error).toBe(ErrorName.ContainerStartFailed);
  });

  it.each([
    ['TaskFailedToStart', 'Timeout waiting for network interface provisioning to complete.'],
    ['TaskFailedToStart', 'ResourceInitializationError: failed to configure ENI: failed to setup regular eni: netplugin failed with no error message'],
    ['TaskFailedToStart', 'CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/...": dial tcp 52.216.1.1:443: i/o timeout'],
    ['TaskFailedToStart', 'CannotPullContainerError: toomanyrequests: You have reached your pull rate limit.'],
    ['TaskFailedToStart', 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): RequestCanceled: request context canceled caused by: context deadline exceeded'],
    ['SpotInterruption', 'Your Spot Task was interrupted.'],
    ['EssentialContainerExited', 'Essential container in task exited'],
    ['UserInitiated', 'Task stopped by user'],
    [undefined, 'Capacity is unavailable at this time. Please try again later or in a different availability zone'],
  ])('retries a task that stopped for a reason that can pass (%s: %s)', (stopCode, stoppedReason) => {
    expect(classifyStoppedTask({ stopCode, stoppedReason }).error).toBe(ErrorName.ContainerStopped);
  });
});
