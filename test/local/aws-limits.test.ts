import { request as httpRequest } from 'node:http';
import { GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, StartExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { mintTaskToken } from '../../local/executions/task-tokens';
import type { AslDefinition } from '../../state-machines';
import { MACHINE, scriptedDefinition, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

const MACHINE_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${MACHINE}`;

/** The error a request was refused with (captured at once, so no rejection goes unhandled meanwhile). */
const refusal = (sent: Promise<unknown>): Promise<unknown> => sent.then(() => undefined, (error: unknown) => error);

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

/** The token of the running container task of an execution, from its history (as an AWS client would see it). */
async function runningTaskToken(sfn: SFNClient, executionArn: string): Promise<string> {
  for (;;) {
    const scheduled = (await history(sfn, executionArn)).find((event) => event.type === 'TaskScheduled');
    if (scheduled) {
      const parameters = JSON.parse(scheduled.taskScheduledEventDetails!.parameters!);
      return parameters.Overrides.ContainerOverrides[0].Environment.find((variable: { Name: string }) => variable.Name === 'STEPWISE_TASK_TOKEN').Value;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends a raw HTTP request to the engine; resolves with the status and whether the server closed the connection. */
function rawRequest(endpoint: string, options: { method: string; path: string; headers?: Record<string, string>; body?: (write: (chunk: Buffer) => boolean) => Promise<void> }): Promise<{ status: number; body: string; closed: boolean }> {
  const url = new URL(options.path, endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, closed: response.headers.connection === 'close' }));
    });
    // The server may answer and close while the body is still being sent: that is the point.
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'EPIPE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
    (options.body ? options.body((chunk) => req.write(chunk)) : Promise.resolve()).then(
      () => req.end(),
      () => req.destroy(),
    );
  });
}

describe('the local engine enforces the limits AWS enforces', () => {
  let engine: LocalEngine;
  let cleanup: () => void;
  let sfn: SFNClient;

  async function start(definition: AslDefinition = scriptedDefinition(), options: Parameters<typeof startTestEngine>[1] = {}): Promise<void> {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root, { stateMachines: [{ name: MACHINE, definition }], ...options });
    sfn = sfnClient(engine);
  }

  afterEach(async () => {
    await engine.stop();
    cleanup();
  });

  describe('payload sizes', () => {
    beforeEach(() => start(scriptedDefinition({ maxContainerAttempts: 1 })));

    it('refuses a StartExecution input over 262,144 bytes, and takes one of exactly that size', async () => {
      const base = JSON.stringify({ task: 'x', scenario: 'complete', pad: '' }).length;
      const inputOf = (bytes: number) => JSON.stringify({ task: 'x', scenario: 'complete', pad: 'é'.repeat(Math.floor((bytes - base) / 2)) });
      const exact = inputOf(262_144);
      const tooLong = `${exact.slice(0, -2)}é"}`;
      expect(Buffer.byteLength(exact)).toBeLessThanOrEqual(262_144);
      expect(Buffer.byteLength(tooLong)).toBeGreaterThan(262_144);
      // Fewer than 262,144 characters, more than 262,144 bytes: AWS counts the bytes.
      expect(tooLong.length).toBeLessThan(262_144);

      const refused = await refusal(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, input: tooLong })));
      const accepted = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, input: exact }));

      expect(refused).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144") });
      expect((await waitFor(sfn, accepted.executionArn!)).status).toBe('SUCCEEDED');
    });

    it('refuses a SendTaskSuccess output over 262,144 bytes, and a SendTaskFailure error over 256 or cause over 32,768 characters', async () => {
      const executionArn = await startScripted(sfn, 'slow', { delayMs: 30_000 });
      const taskToken = await runningTaskToken(sfn, executionArn);

      const output = await refusal(sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ status: 'COMPLETED', answer: 'x'.repeat(262_144) }) })));
      const error = await refusal(sfn.send(new SendTaskFailureCommand({ taskToken, error: 'E'.repeat(257), cause: 'c' })));
      const cause = await refusal(sfn.send(new SendTaskFailureCommand({ taskToken, error: 'E', cause: 'c'.repeat(32_769) })));

      expect(output).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("'output'") });
      expect(error).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("'error'") });
      expect(cause).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("'cause'") });
      // None of them closed the task: the container finishes it.
      await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'E'.repeat(256), cause: 'c'.repeat(32_768) }));
      expect((await waitFor(sfn, executionArn)).error).toBe('E'.repeat(256));
    });

    it('fails the execution with States.DataLimitExceeded when a state payload passes 262,144 bytes', async () => {
      const executionArn = await startScripted(sfn, 'huge-turn');

      const execution = await waitFor(sfn, executionArn);

      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause: expect.stringContaining("The state/task 'RunAgent' returned a result with a size exceeding the maximum number of bytes service limit") });
      // Not retried, not caught: the one container turn was the only one.
      expect((await history(sfn, executionArn)).filter((event) => event.type === 'TaskScheduled')).toHaveLength(1);
    });
  });

  describe('task tokens', () => {
    beforeEach(() => start());

    it('are opaque and several hundred characters long, like AWS tokens; any up to 2,048 characters is accepted', async () => {
      const executionArn = await startScripted(sfn, 'slow', { delayMs: 30_000 });
      const taskToken = await runningTaskToken(sfn, executionArn);

      expect(taskToken.length).toBeGreaterThanOrEqual(500);
      expect(taskToken.length).toBeLessThanOrEqual(2_048);
      expect(taskToken).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken }))).resolves.toBeDefined();
      const foreign = 'A'.repeat(2_048);
      await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: foreign }))).rejects.toMatchObject({ name: 'InvalidToken' });
      await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: `${foreign}A` }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048"),
      });
      await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: mintTaskToken() }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
      await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'Done', cause: 'done' }));
    });
  });

  describe('RunTask', () => {
    it('refuses overrides over 8,192 characters with ECS\'s error, failing the task without starting a container', async () => {
      // A definition that passes a value of the input through the overrides, as Stepwise once did.
      const definition = JSON.parse(JSON.stringify(scriptedDefinition({ maxContainerAttempts: 1 })));
      definition.States.Initialize.Parameters = { turnNumber: 1, 'blob.$': '$.blob' };
      definition.States.RunAgent.Parameters.Overrides.ContainerOverrides[0].Environment.push({ Name: 'BLOB', 'Value.$': '$.blob' });
      await start(definition);

      const executionArn = await startScripted(sfn, 'complete', { blob: 'b'.repeat(8_000) });
      const execution = await waitFor(sfn, executionArn);

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ECS.InvalidParameterException', cause: expect.stringContaining('Container Overrides length must be at most 8192') });
      const events = await history(sfn, executionArn);
      expect(events.filter((event) => event.type === 'TaskSubmitFailed').map((event) => event.taskSubmitFailedEventDetails)).toEqual([
        expect.objectContaining({ resourceType: 'ecs', error: 'ECS.InvalidParameterException', cause: expect.stringContaining('(Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException') }),
      ]);
      expect(events.map((event) => event.type)).not.toContain('TaskSubmitted');
    });

    it('records TaskSubmitted with the shape of a real RunTask response', async () => {
      await start();

      const executionArn = await startScripted(sfn, 'complete');
      await waitFor(sfn, executionArn);

      const submitted = (await history(sfn, executionArn)).find((event) => event.type === 'TaskSubmitted')!;
      const response = JSON.parse(submitted.taskSubmittedEventDetails!.output!);
      expect(response).toMatchObject({
        Failures: [],
        Tasks: [
          {
            TaskArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:000000000000:task\/local\/[0-9a-f]{32}$/),
            ClusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/local',
            TaskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/agent:1',
            LastStatus: 'PROVISIONING',
            DesiredStatus: 'RUNNING',
            LaunchType: 'FARGATE',
            Containers: [expect.objectContaining({ Name: 'agent', LastStatus: 'PENDING' })],
            Overrides: { ContainerOverrides: [expect.objectContaining({ Name: 'agent' })] },
          },
        ],
      });
      expect(typeof response.Tasks[0].CreatedAt).toBe('number');
    });
  });

  describe('timeouts', () => {
    it('records TaskTimedOut before ExecutionFailed for a heartbeat timeout, retried as the definition says', async () => {
      await start(scriptedDefinition({ heartbeatSeconds: 1, maxContainerAttempts: 2 }));

      const executionArn = await startScripted(sfn, 'hang');
      const execution = await waitFor(sfn, executionArn);

      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
      const types = (await history(sfn, executionArn)).map((event) => event.type ?? '').filter((type) => type.startsWith('Task') || type.startsWith('Execution'));
      expect(types.filter((type) => type === 'TaskTimedOut')).toHaveLength(2);
      expect(types.slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
    });

    it('records a run that outlives TimeoutSeconds as TaskTimedOut (States.Timeout), which States.TaskFailed does not retry', async () => {
      // No heartbeat check: only the run timeout can end this turn, however slowly the container starts.
      const definition = JSON.parse(JSON.stringify(scriptedDefinition()));
      delete definition.States.RunAgent.HeartbeatSeconds;
      definition.States.RunAgent.TimeoutSeconds = 2;
      await start(definition);

      const executionArn = await startScripted(sfn, 'slow', { delayMs: 30_000 });
      const execution = await waitFor(sfn, executionArn);

      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      const events = await history(sfn, executionArn);
      expect(events.filter((event) => event.type === 'TaskTimedOut').map((event) => event.taskTimedOutEventDetails!.error)).toEqual(['States.Timeout']);
      expect(events.filter((event) => event.type === 'TaskScheduled')).toHaveLength(1);
      expect(events.map((event) => event.type).slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
    });
  });

  describe('the AWS-faithful mode', () => {
    it('does not report a container that exits without a result: the task ends by its heartbeat timeout, as on ECS', async () => {
      // Long enough that the container has exited well before: without the mode its exit would fail the task at once.
      await start(scriptedDefinition({ heartbeatSeconds: 5, maxContainerAttempts: 1 }), { awsFaithful: true });

      const executionArn = await startScripted(sfn, 'exit');
      const execution = await waitFor(sfn, executionArn);

      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
      const types = (await history(sfn, executionArn)).map((event) => event.type);
      expect(types).toContain('TaskTimedOut');
      expect(types).not.toContain('TaskFailed');
    });

    it('delays containers by a cold start: one longer than HeartbeatSeconds never gets to run, one shorter completes', async () => {
      await start(scriptedDefinition({ heartbeatSeconds: 2, maxContainerAttempts: 1 }), { awsFaithful: { coldStartSeconds: 3 } });
      const slowStart = await startScripted(sfn, 'complete');
      const tooSlow = await waitFor(sfn, slowStart);
      await engine.stop();
      cleanup();
      // Generous: the container itself must start and beat within the rest of the interval on a busy machine.
      await start(scriptedDefinition({ heartbeatSeconds: 10, runTimeoutSeconds: 60, maxContainerAttempts: 1 }), { awsFaithful: { coldStartSeconds: 1 } });

      const quickStart = await startScripted(sfn, 'complete');
      const inTime = await waitFor(sfn, quickStart);

      expect(tooSlow).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
      expect(inTime.status).toBe('SUCCEEDED');
    });
  });

  describe('request bodies', () => {
    beforeEach(() => start());

    it('refuses a body whose Content-Length is over the route\'s limit without reading it', async () => {
      const sfnApi = await rawRequest(engine.endpoint, {
        method: 'POST',
        path: '/',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.StartExecution', 'Content-Length': String(1024 * 1024 * 1024) },
        body: async (write) => void write(Buffer.alloc(64 * 1024, 0x20)),
      });
      const invoke = await rawRequest(engine.endpoint, {
        method: 'POST',
        path: '/2015-03-31/functions/stepwise-approval-notifier/invocations',
        headers: { 'Content-Length': String(7 * 1024 * 1024) },
        body: async (write) => void write(Buffer.alloc(64 * 1024, 0x20)),
      });
      const health = await rawRequest(engine.endpoint, { method: 'GET', path: '/health', headers: { 'Content-Length': '10' }, body: async (write) => void write(Buffer.from('0123456789')) });

      expect(sfnApi).toMatchObject({ status: 413, closed: true });
      expect(JSON.parse(sfnApi.body)).toMatchObject({ __type: 'ValidationException' });
      expect(invoke).toMatchObject({ status: 413, closed: true });
      expect(JSON.parse(invoke.body).message).toContain('Request must be smaller than 6291456 bytes');
      expect(health).toMatchObject({ status: 413, closed: true });
    });

    it('stops reading a streamed body as soon as it passes the limit', async () => {
      let sent = 0;
      const streamed = await rawRequest(engine.endpoint, {
        method: 'POST',
        path: '/',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.StartExecution', 'Transfer-Encoding': 'chunked' },
        body: async (write) => {
          // Up to 64 MiB if nobody stops us; the engine answers after about 1 MiB.
          for (let chunk = 0; chunk < 1_024; chunk += 1) {
            write(Buffer.alloc(64 * 1024, 0x20));
            sent += 64 * 1024;
            await new Promise((resolve) => setImmediate(resolve));
          }
        },
      });

      expect(streamed).toMatchObject({ status: 413, closed: true });
      expect(sent).toBeLessThan(64 * 1024 * 1024);
      // The engine still serves.
      expect((await fetch(`${engine.endpoint}/health`)).status).toBe(200);
    });
  });
});
