import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { AwsRetryDefaults, AwsServiceError, lambdaInvokeApi, type LambdaInvokeInput, type LambdaInvokeOutput } from '../../../framework/aws';
import { RunAbortedError, ToolExecutionError, ToolOutcomeUnknownError } from '../../../framework/errors';
import { lambdaTool, lambdaToolFrom } from '../../../framework/lambda-tool';
import { defineTool } from '../../../framework/tool';
import { toolContext } from '../../helpers/tool-context';
import { AwsFault, DROP, WIRE_CREDENTIALS, WIRE_REGION, startAwsWireFake, type AwsWireFake, type InvocationAnswer } from '../../helpers/aws-wire-fake';
import { rejectionOf } from '../../helpers/rejection';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:stepwise-lookup';
const REPORT = Buffer.from('START RequestId: 1\nEND RequestId: 1\nREPORT RequestId: 1 Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 512 MB Max Memory Used: 80 MB\n').toString('base64');

let fake: AwsWireFake;
let sdk: LambdaClient;
beforeAll(async () => {
  fake = await startAwsWireFake();
  sdk = new LambdaClient({ region: WIRE_REGION, endpoint: fake.env.AWS_ENDPOINT_URL_LAMBDA, credentials: WIRE_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  sdk.destroy();
  await fake.close();
});
beforeEach(() => fake.reset());
// Every request, from the SDK or from lambdaInvokeApi, was signed as AWS checks it.
afterEach(() => expect(fake.refused).toEqual([]));

const bytes = (value: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(value)));
/** The fields tools read, with the payload as bytes to compare. */
const answerOf = (output: LambdaInvokeOutput) => ({
  StatusCode: output.StatusCode,
  FunctionError: output.FunctionError,
  LogResult: output.LogResult,
  ExecutedVersion: output.ExecutedVersion,
  Payload: output.Payload === undefined ? undefined : Buffer.from(output.Payload),
});
/** Waits until `condition` holds, checking at each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('lambdaInvokeApi at the wire, next to the AWS SDK', () => {
  it.each<[string, LambdaInvokeInput]>([
    ['a function ARN with a qualifier, its log tail and a payload', { FunctionName: FUNCTION_ARN, Qualifier: 'live', InvocationType: 'RequestResponse', LogType: 'Tail', Payload: bytes({ arguments: { word: 'Grüße "x"' } }) }],
    ['a qualified ARN in the name itself', { FunctionName: `${FUNCTION_ARN}:7`, Payload: bytes({}) }],
    ['a partial ARN with $LATEST as qualifier', { FunctionName: '000000000000:function:stepwise-lookup', Qualifier: '$LATEST', InvocationType: 'Event', Payload: bytes([1, 2]) }],
    ['a plain name without payload (a dry run)', { FunctionName: 'stepwise-lookup', InvocationType: 'DryRun', LogType: 'None' }],
  ])('sends %s as the AWS SDK sends it', async (_what, input) => {
    fake.onInvoke(() => ({ payload: { ok: true, result: null } }));

    await sdk.send(new InvokeCommand(input as InvokeCommandInput));
    await lambdaInvokeApi(fake.env).invoke(input);

    expect(fake.requests).toHaveLength(2);
    const [fromSdk, fromApi] = fake.requests;
    expect({ method: fromApi.method, path: fromApi.path }).toEqual({ method: fromSdk.method, path: fromSdk.path });
    for (const header of ['content-type', 'x-amz-invocation-type', 'x-amz-log-type']) {
      expect([header, fromApi.headers[header]]).toEqual([header, fromSdk.headers[header]]);
    }
    expect(fake.invocations).toHaveLength(2);
    expect(fake.invocations[1]).toEqual(fake.invocations[0]);
  });

  it('sends the function ARN, with its ":" characters, in the path and the qualifier as the Qualifier query', async () => {
    fake.onInvoke(() => ({ payload: null }));

    await lambdaInvokeApi(fake.env).invoke({ FunctionName: FUNCTION_ARN, Qualifier: 'live', InvocationType: 'RequestResponse', LogType: 'Tail', Payload: bytes({ a: 1 }) });

    expect(fake.invocations).toEqual([{ functionName: FUNCTION_ARN, qualifier: 'live', invocationType: 'RequestResponse', logType: 'Tail', payload: { a: 1 } }]);
  });

  it.each<[string, InvocationAnswer]>([
    ['a result', { payload: { ok: true, result: { meaning: 'ça va' } }, logResult: REPORT }],
    ['a function error', { payload: { errorType: 'TypeError', errorMessage: 'Cannot read properties of undefined' }, functionError: 'Unhandled', logResult: REPORT }],
    ['a null payload without log', { payload: null }],
  ])('reads the answer to %s as the AWS SDK reads it', async (_what, answer) => {
    fake.onInvoke(() => answer);
    const input: LambdaInvokeInput = { FunctionName: FUNCTION_ARN, Qualifier: 'live', LogType: 'Tail', Payload: bytes({}) };

    const fromSdk = await sdk.send(new InvokeCommand(input as InvokeCommandInput));
    const fromApi = await lambdaInvokeApi(fake.env).invoke(input);

    expect(answerOf(fromApi)).toEqual(answerOf(fromSdk));
    expect(answerOf(fromApi)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: Buffer.from(JSON.stringify(answer.payload)) });
  });

  it('names a missing function as the AWS SDK names it', async () => {
    // No handler: the fake answers 404 ResourceNotFoundException, as Lambda does.
    const fromSdk = (await rejectionOf(sdk.send(new InvokeCommand({ FunctionName: 'missing-fn' })))) as AwsServiceError;
    const fromApi = (await rejectionOf(lambdaInvokeApi(fake.env).invoke({ FunctionName: 'missing-fn' }))) as AwsServiceError;

    expect(fromApi).toBeInstanceOf(AwsServiceError);
    expect({ name: fromApi.name, message: fromApi.message, $fault: fromApi.$fault, status: fromApi.$metadata.httpStatusCode }).toEqual({
      name: fromSdk.name,
      message: fromSdk.message,
      $fault: fromSdk.$fault,
      status: fromSdk.$metadata.httpStatusCode,
    });
    expect(fromApi).toMatchObject({ name: 'ResourceNotFoundException', $fault: 'client', $metadata: { httpStatusCode: 404, attempts: 1 } });
  });
});

describe('lambdaInvokeApi errors, retries and aborts', () => {
  it('retries 429 TooManyRequestsException and marks it as throttling', async () => {
    fake.onInvoke(() => {
      throw new AwsFault('TooManyRequestsException', 'Rate Exceeded.', 429);
    });

    const error = await rejectionOf(lambdaInvokeApi(fake.env).invoke({ FunctionName: 'busy-fn', Payload: bytes({}) }));

    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'TooManyRequestsException', $fault: 'client', $retryable: { throttling: true }, $metadata: { httpStatusCode: 429, attempts: 3 } });
    expect(fake.invocations).toHaveLength(AwsRetryDefaults.maxAttempts);
  });

  it('rejects with Node\'s ECONNRESET error after maxAttempts invocations when every connection is dropped', async () => {
    fake.onInvoke(() => DROP);

    const error = await rejectionOf(lambdaInvokeApi(fake.env).invoke({ FunctionName: 'dying-fn', Payload: bytes({}) }));

    // Node's own error (from outside jest's realm, hence no instanceof Error), not a service error.
    expect(error).not.toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ code: 'ECONNRESET', message: expect.any(String) });
    expect(fake.invocations).toHaveLength(AwsRetryDefaults.maxAttempts);
  });

  it('resolves when a dropped connection is followed by an answer', async () => {
    let calls = 0;
    fake.onInvoke(() => {
      calls += 1;
      return calls === 1 ? DROP : { payload: { ok: true, result: 'second time' } };
    });

    const output = await lambdaInvokeApi(fake.env).invoke({ FunctionName: 'flaky-fn', Payload: bytes({ n: 1 }) });

    expect(Buffer.from(output.Payload!).toString('utf8')).toBe('{"ok":true,"result":"second time"}');
    expect(fake.invocations).toHaveLength(2);
  });

  it('rejects with an AbortError, and does not try again, when the signal aborts while the function runs', async () => {
    fake.onInvoke(() => new Promise<never>(() => undefined));
    const controller = new AbortController();

    const pending = rejectionOf(lambdaInvokeApi(fake.env).invoke({ FunctionName: 'slow-fn', Payload: bytes({}) }, { abortSignal: controller.signal }));
    await until(() => fake.invocations.length === 1);
    controller.abort();
    const error = await pending;

    expect(error).toMatchObject({ name: 'AbortError' });
    expect(error).not.toBeInstanceOf(AwsServiceError);
    expect(fake.invocations).toHaveLength(1);
  });

  it('sends nothing when the signal has already aborted', async () => {
    fake.onInvoke(() => ({ payload: null }));
    const controller = new AbortController();
    controller.abort();

    await expect(lambdaInvokeApi(fake.env).invoke({ FunctionName: 'any-fn' }, { abortSignal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('lambdaTool with lambdaInvokeApi as its client', () => {
  const context = toolContext;
  const makeTool = (options: { functionName?: string; timeoutMs?: number } = {}) =>
    lambdaTool({
      name: 'lookup',
      description: 'Looks a word up',
      parameters: z.object({ word: z.string() }),
      functionName: options.functionName ?? FUNCTION_ARN,
      qualifier: 'live',
      timeoutMs: options.timeoutMs,
      client: lambdaInvokeApi(fake.env),
    });
  const failureOf = (run: () => unknown): Promise<unknown> => rejectionOf(Promise.resolve().then(run));

  it('invokes the function with the tool event and returns the envelope result', async () => {
    fake.onInvoke(() => ({ payload: { ok: true, result: { meaning: 'a greeting' } }, logResult: REPORT }));

    const result = await makeTool().execute({ word: 'hello' }, context());

    expect(result).toEqual({ meaning: 'a greeting' });
    expect(fake.invocations).toEqual([
      {
        functionName: FUNCTION_ARN,
        qualifier: 'live',
        invocationType: 'RequestResponse',
        logType: 'Tail',
        payload: { arguments: { word: 'hello' }, callId: 'call-7', idempotencyKey: 'exec-9:call-7', executionId: 'exec-9' },
      },
    ]);
  });

  it('says the function does not exist when Lambda answers ResourceNotFoundException', async () => {
    // No handler: the fake answers 404 ResourceNotFoundException.
    const error = await failureOf(() => makeTool({ functionName: 'missing-fn' }).execute({ word: 'x' }, context()));

    expect(error).toBeInstanceOf(ToolExecutionError);
    expect((error as Error).message).toMatch(/Lambda function "missing-fn" does not exist/);
    expect(error).toMatchObject({ retryable: false });
    expect(fake.invocations).toHaveLength(1);
  });

  it("turns a function error into a ToolExecutionError carrying the function's error message", async () => {
    fake.onInvoke(() => ({ payload: { errorType: 'TypeError', errorMessage: 'Cannot read properties of undefined' }, functionError: 'Unhandled', logResult: REPORT }));

    const error = await failureOf(() => makeTool().execute({ word: 'x' }, context()));

    expect(error).toBeInstanceOf(ToolExecutionError);
    expect((error as Error).message).toBe(`Lambda function "${FUNCTION_ARN}" failed (TypeError): Cannot read properties of undefined`);
    expect(fake.invocations).toHaveLength(1);
  });

  it('reports a 500 of the Lambda service on every attempt as an unknown outcome', async () => {
    fake.onInvoke(() => {
      throw new AwsFault('ServiceException', 'We encountered an internal error', 500);
    });

    const error = await failureOf(() => makeTool().execute({ word: 'x' }, context()));

    expect(error).toBeInstanceOf(ToolOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'Stepwise.ToolOutcomeUnknown', toolName: 'lookup', message: expect.stringContaining('invoked again with the same idempotency key') });
    expect(fake.invocations).toHaveLength(AwsRetryDefaults.maxAttempts);
  });

  it('reports connections dropped on every attempt as an unknown outcome', async () => {
    fake.onInvoke(() => DROP);

    const error = await failureOf(() => makeTool().execute({ word: 'x' }, context()));

    expect(error).toBeInstanceOf(ToolOutcomeUnknownError);
    expect((error as Error).message).toContain('ECONNRESET');
  });

  it('reports throttling as a retryable ToolExecutionError that says it was throttled', async () => {
    fake.onInvoke(() => {
      throw new AwsFault('TooManyRequestsException', 'Rate Exceeded.', 429);
    });

    const error = await failureOf(() => makeTool().execute({ word: 'x' }, context()));

    expect(error).toBeInstanceOf(ToolExecutionError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('was throttled') });
  });

  it("reports a function that outlives the tool's timeoutMs as an unknown outcome", async () => {
    fake.onInvoke(() => new Promise<never>(() => undefined));

    const error = await failureOf(() => makeTool({ timeoutMs: 50 }).execute({ word: 'x' }, context()));

    expect(error).toBeInstanceOf(ToolOutcomeUnknownError);
    expect((error as Error).message).toContain("did not answer within the tool's 50 ms");
    expect(fake.invocations).toHaveLength(1);
  });

  it('stops the invocation when the run is aborted', async () => {
    fake.onInvoke(() => new Promise<never>(() => undefined));
    const run = new AbortController();

    const pending = failureOf(() => makeTool().execute({ word: 'x' }, context({ signal: run.signal })));
    await until(() => fake.invocations.length === 1);
    run.abort();

    await expect(pending).resolves.toBeInstanceOf(RunAbortedError);
    expect(fake.invocations).toHaveLength(1);
  });

  it('runs the Lambda twin of a local tool (lambdaToolFrom) through lambdaInvokeApi', async () => {
    const local = defineTool({ name: 'publish', description: 'Publishes', parameters: z.object({ title: z.string() }), execute: () => ({ where: 'local' }) });
    fake.onInvoke(() => ({ payload: { ok: true, result: { where: 'lambda' } } }));

    const twin = lambdaToolFrom(local, { functionName: 'publish-fn', client: lambdaInvokeApi(fake.env) });

    await expect(twin.execute({ title: 't' }, context())).resolves.toEqual({ where: 'lambda' });
    expect(fake.invocations.map((call) => call.functionName)).toEqual(['publish-fn']);
  });
});
