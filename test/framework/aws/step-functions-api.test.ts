import {
  DescribeExecutionCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { AwsRetryDefaults, AwsServiceError, stepFunctionsApi, type StepFunctionsApi } from '../../../framework/aws';
import { AwsFault, WIRE_CREDENTIALS, WIRE_REGION, startAwsWireFake, type AwsWireFake } from '../../helpers/aws-wire-fake';
import { rejectionOf } from '../../helpers/rejection';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:research:run-1';
// Task tokens are long opaque strings; these carry characters JSON has to escape.
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAR/+token="quoted"\\slash+ünï';
const OUTPUT = JSON.stringify({ answer: 'Ça marche — "done"', lines: ['a\nb', 'tab\there'], n: 1.5 });

let fake: AwsWireFake;
let sdk: SFNClient;
beforeAll(async () => {
  fake = await startAwsWireFake();
  sdk = new SFNClient({ region: WIRE_REGION, endpoint: fake.env.AWS_ENDPOINT_URL_SFN, credentials: WIRE_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  sdk.destroy();
  await fake.close();
});
beforeEach(() => fake.reset());
// Every request, from the SDK or from stepFunctionsApi, was signed as AWS checks it.
afterEach(() => expect(fake.refused).toEqual([]));


/** How the same call is made through the AWS SDK and through `stepFunctionsApi`. */
const CALLS: [action: string, viaSdk: (client: SFNClient) => Promise<unknown>, viaApi: (api: StepFunctionsApi) => Promise<unknown>][] = [
  ['DescribeExecution', (client) => client.send(new DescribeExecutionCommand({ executionArn: EXECUTION_ARN })), (api) => api.describeExecution(EXECUTION_ARN)],
  ['SendTaskSuccess', (client) => client.send(new SendTaskSuccessCommand({ taskToken: TASK_TOKEN, output: OUTPUT })), (api) => api.sendTaskSuccess(TASK_TOKEN, OUTPUT)],
  [
    'SendTaskFailure',
    (client) => client.send(new SendTaskFailureCommand({ taskToken: TASK_TOKEN, error: 'Stepwise.ToolError', cause: 'The tool failed:\n  "quoted" cause' })),
    (api) => api.sendTaskFailure(TASK_TOKEN, { error: 'Stepwise.ToolError', cause: 'The tool failed:\n  "quoted" cause' }),
  ],
  ['SendTaskHeartbeat', (client) => client.send(new SendTaskHeartbeatCommand({ taskToken: TASK_TOKEN })), (api) => api.sendTaskHeartbeat(TASK_TOKEN)],
];

describe('stepFunctionsApi at the wire, next to the AWS SDK', () => {
  beforeEach(() => fake.onAction('DescribeExecution', ({ executionArn }) => ({ executionArn, stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:research', status: 'RUNNING', input: OUTPUT, startDate: 1_767_225_600.25 })));

  it.each(CALLS)('sends %s with the same target, content type and JSON body as the AWS SDK', async (action, viaSdk, viaApi) => {
    await viaSdk(sdk);
    await viaApi(stepFunctionsApi(fake.env));

    expect(fake.requests).toHaveLength(2);
    const [fromSdk, fromApi] = fake.requests;
    expect(fromApi.method).toBe(fromSdk.method);
    expect(fromApi.path).toBe(fromSdk.path);
    expect(fromApi.headers['x-amz-target']).toBe(`AWSStepFunctions.${action}`);
    expect(fromApi.headers['x-amz-target']).toBe(fromSdk.headers['x-amz-target']);
    expect(fromApi.headers['content-type']).toBe(fromSdk.headers['content-type']);
    expect(fake.actions.map((call) => call.action)).toEqual([action, action]);
    expect(fake.actions[1].input).toEqual(fake.actions[0].input);
  });

  it('reads the input and status of DescribeExecution as the AWS SDK reads them', async () => {
    const fromSdk = await sdk.send(new DescribeExecutionCommand({ executionArn: EXECUTION_ARN }));
    const fromApi = await stepFunctionsApi(fake.env).describeExecution(EXECUTION_ARN);

    expect(fromApi).toEqual({ input: fromSdk.input, status: fromSdk.status });
    expect(fromApi).toEqual({ input: OUTPUT, status: 'RUNNING' });
  });

  it('names a fault of the service as the AWS SDK names it', async () => {
    fake.onAction('SendTaskSuccess', () => {
      throw new AwsFault('TaskTimedOut', 'Task Timed Out: provided task does not exist anymore');
    });

    const fromSdk = (await rejectionOf(sdk.send(new SendTaskSuccessCommand({ taskToken: TASK_TOKEN, output: '{}' })))) as AwsServiceError;
    const fromApi = (await rejectionOf(stepFunctionsApi(fake.env).sendTaskSuccess(TASK_TOKEN, '{}'))) as AwsServiceError;

    expect({ name: fromApi.name, message: fromApi.message, $fault: fromApi.$fault, status: fromApi.$metadata.httpStatusCode }).toEqual({
      name: fromSdk.name,
      message: fromSdk.message,
      $fault: fromSdk.$fault,
      status: fromSdk.$metadata.httpStatusCode,
    });
  });
});

describe('stepFunctionsApi errors and retries', () => {
  it('turns a fault of the service into an AwsServiceError named by its code, a client fault, attempted once', async () => {
    fake.onAction('SendTaskSuccess', () => {
      throw new AwsFault('TaskTimedOut', 'Task Timed Out', 400);
    });

    const error = await rejectionOf(stepFunctionsApi(fake.env).sendTaskSuccess(TASK_TOKEN, '{}'));

    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'TaskTimedOut', message: 'Task Timed Out', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1, requestId: 'wire-request' } });
    expect((error as AwsServiceError).$retryable).toBeUndefined();
    expect(fake.actions).toHaveLength(1);
  });

  it('retries a 500 ServiceException up to maxAttempts, then throws it as a server fault', async () => {
    fake.onAction('SendTaskHeartbeat', () => {
      throw new AwsFault('ServiceException', 'Internal failure', 500);
    });

    const error = await rejectionOf(stepFunctionsApi(fake.env).sendTaskHeartbeat(TASK_TOKEN));

    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ServiceException', $fault: 'server', $metadata: { httpStatusCode: 500, attempts: AwsRetryDefaults.maxAttempts } });
    expect(AwsRetryDefaults.maxAttempts).toBe(3);
    expect(fake.actions).toHaveLength(3);
  });

  it('resolves when a 503 is followed by a success', async () => {
    let calls = 0;
    fake.onAction('DescribeExecution', () => {
      calls += 1;
      if (calls === 1) throw new AwsFault('ServiceUnavailable', 'Service Unavailable', 503);
      return { status: 'SUCCEEDED', input: '{"task":"x"}' };
    });

    await expect(stepFunctionsApi(fake.env).describeExecution(EXECUTION_ARN)).resolves.toEqual({ status: 'SUCCEEDED', input: '{"task":"x"}' });
    expect(fake.actions).toHaveLength(2);
    expect(fake.actions[1]).toEqual(fake.actions[0]);
  });

  it('retries a throttled call (ThrottlingException with status 400) and marks it as throttling', async () => {
    fake.onAction('SendTaskHeartbeat', () => {
      throw new AwsFault('ThrottlingException', 'Rate exceeded', 400);
    });

    const error = await rejectionOf(stepFunctionsApi(fake.env).sendTaskHeartbeat(TASK_TOKEN));

    expect(error).toMatchObject({ name: 'ThrottlingException', $fault: 'client', $retryable: { throttling: true }, $metadata: { attempts: 3 } });
    expect(fake.actions).toHaveLength(3);
  });

  it('never retries other client errors (InvalidToken, TaskDoesNotExist, AccessDeniedException)', async () => {
    const codes = ['InvalidToken', 'TaskDoesNotExist', 'AccessDeniedException'];
    for (const code of codes) {
      fake.onAction('SendTaskFailure', () => {
        throw new AwsFault(code, `${code} happened`, 400);
      });
      await expect(stepFunctionsApi(fake.env).sendTaskFailure(TASK_TOKEN, { error: 'E', cause: 'C' })).rejects.toMatchObject({ name: code, $metadata: { attempts: 1 } });
    }

    expect(fake.actions).toHaveLength(codes.length);
  });

  it('keeps the answer of an empty success body as nothing read', async () => {
    fake.onAction('DescribeExecution', () => ({}));

    await expect(stepFunctionsApi(fake.env).describeExecution(EXECUTION_ARN)).resolves.toEqual({});
  });
});
