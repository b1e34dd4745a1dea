import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import { SFNClient, SendTaskHeartbeatCommand } from '@aws-sdk/client-sfn';
import type { HttpRequest } from '@smithy/types';
import {
  AwsServiceError,
  LAMBDA_SERVICE,
  STEP_FUNCTIONS_SERVICE,
  awsApiClient,
  isRetryable,
  RequestAbortedError,
  serviceEndpoint,
  stepFunctionsApi,
  type AwsApiRequest,
} from '../../../framework/aws';
import { ConfigDefinitionError } from '../../../framework/errors';
import { AwsFault, WIRE_CREDENTIALS, startAwsWireFake, type AwsWireFake } from '../../helpers/aws-wire-fake';
import { answerJson, startLocalServer, type LocalServer } from './local-server';
import { rejectionOf } from '../../helpers/rejection';
import { isolateEnv } from '../../helpers/isolated-env';

const heartbeat = (signal?: AbortSignal): AwsApiRequest => ({
  method: 'POST',
  path: '/',
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.SendTaskHeartbeat' },
  body: Buffer.from('{"taskToken":"token-1"}'),
  ...(signal ? { signal } : {}),
});
/** The time a request was signed at, from its `x-amz-date` (e.g. `20260101T120000Z`). */
function signedAt(amzDate: string | string[] | undefined): number {
  const text = String(amzDate);
  return Date.parse(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}Z`);
}
const keys = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: WIRE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: WIRE_CREDENTIALS.secretAccessKey };

describe('serviceEndpoint', () => {
  it.each<[string, NodeJS.ProcessEnv, string, string]>([
    ['the regional endpoint', {}, 'eu-west-1', 'https://states.eu-west-1.amazonaws.com/'],
    ['FIPS', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'us-east-1', 'https://states-fips.us-east-1.amazonaws.com/'],
    ['dual-stack', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'eu-west-1', 'https://states.eu-west-1.api.aws/'],
    ['FIPS and dual-stack', { AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'us-east-2', 'https://states-fips.us-east-2.api.aws/'],
    ['FIPS and dual-stack turned off', { AWS_USE_FIPS_ENDPOINT: 'false', AWS_USE_DUALSTACK_ENDPOINT: 'false' }, 'us-west-2', 'https://states.us-west-2.amazonaws.com/'],
    ['the China partition', {}, 'cn-north-1', 'https://states.cn-north-1.amazonaws.com.cn/'],
    ['the China partition, dual-stack', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'cn-northwest-1', 'https://states.cn-northwest-1.api.amazonwebservices.com.cn/'],
    ['the China partition, FIPS', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'cn-north-1', 'https://states-fips.cn-north-1.amazonaws.com.cn/'],
    ['AWS_ENDPOINT_URL_SFN', { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:8083' }, 'eu-west-1', 'http://127.0.0.1:8083/'],
    ['AWS_ENDPOINT_URL_SFN before AWS_ENDPOINT_URL', { AWS_ENDPOINT_URL_SFN: 'http://sfn.local:8083', AWS_ENDPOINT_URL: 'http://all.local:4566' }, 'eu-west-1', 'http://sfn.local:8083/'],
    ['AWS_ENDPOINT_URL for every service', { AWS_ENDPOINT_URL: 'http://all.local:4566', AWS_ENDPOINT_URL_LAMBDA: 'http://lambda.local:9000' }, 'eu-west-1', 'http://all.local:4566/'],
    ['AWS_ENDPOINT_URL_SFN before FIPS', { AWS_ENDPOINT_URL_SFN: 'https://proxy.local/sfn', AWS_USE_FIPS_ENDPOINT: 'true' }, 'eu-west-1', 'https://proxy.local/sfn'],
    ['the regional endpoint when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL_SFN: 'http://sfn.local', AWS_ENDPOINT_URL: 'http://all.local' }, 'eu-west-1', 'https://states.eu-west-1.amazonaws.com/'],
    ['the configured endpoint when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is false', { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false', AWS_ENDPOINT_URL_SFN: 'http://sfn.local' }, 'eu-west-1', 'http://sfn.local/'],
  ])('gives Step Functions %s', (_case, env, region, expected) => {
    expect(serviceEndpoint(STEP_FUNCTIONS_SERVICE, env, region).href).toBe(expected);
  });

  it('gives Lambda its own endpoint and variable', () => {
    expect(serviceEndpoint(LAMBDA_SERVICE, {}, 'ap-southeast-2').href).toBe('https://lambda.ap-southeast-2.amazonaws.com/');
    expect(serviceEndpoint(LAMBDA_SERVICE, { AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001', AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:8083' }, 'eu-west-1').href).toBe('http://127.0.0.1:9001/');
  });

  it.each([
    ['AWS_ENDPOINT_URL_SFN', { AWS_ENDPOINT_URL_SFN: 'http://' }],
    ['AWS_ENDPOINT_URL', { AWS_ENDPOINT_URL: '::not a url::' }],
    // Without a scheme, `localhost:8083` parses as a URL whose protocol is "localhost:".
    ['AWS_ENDPOINT_URL', { AWS_ENDPOINT_URL: 'localhost:8083' }],
  ])('refuses a malformed %s with a ConfigDefinitionError naming it', (variable, env) => {
    let error: unknown;
    try {
      serviceEndpoint(STEP_FUNCTIONS_SERVICE, env, 'eu-west-1');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigDefinitionError);
    expect(error).toMatchObject({ field: variable, message: expect.stringContaining(`${variable} must be an http or https URL`) });
  });

  describe('next to the AWS SDK', () => {
    const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SFN', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_PROFILE'];
    isolateEnv(ENDPOINT_VARIABLES);

    /** Where the AWS SDK sends a request for these settings: its request handler keeps the URL and stops there. */
    async function sdkUrl(service: 'sfn' | 'lambda', region: string, flags: { fips?: boolean; dualStack?: boolean } = {}): Promise<string> {
      let url = '';
      const requestHandler = {
        handle: async (request: HttpRequest) => {
          url = new URL(`${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}/`).href;
          throw new Error('stopped by the test');
        },
      };
      const config = { region, credentials: WIRE_CREDENTIALS, maxAttempts: 1, useFipsEndpoint: flags.fips ?? false, useDualstackEndpoint: flags.dualStack ?? false, requestHandler: requestHandler as never };
      if (service === 'sfn') await new SFNClient(config).send(new SendTaskHeartbeatCommand({ taskToken: 't' })).catch(() => undefined);
      else await new LambdaClient(config).send(new InvokeCommand({ FunctionName: 'f' })).catch(() => undefined);
      return url;
    }

    it.each<[string, { fips?: boolean; dualStack?: boolean }]>([
      ['eu-west-1', {}],
      ['us-east-1', { fips: true }],
      ['eu-central-1', { dualStack: true }],
      ['us-west-2', { fips: true, dualStack: true }],
      ['cn-north-1', {}],
      ['cn-northwest-1', { dualStack: true }],
      ['cn-north-1', { fips: true, dualStack: true }],
      ['us-iso-east-1', {}],
      ['us-isob-east-1', {}],
      ['eusc-de-east-1', {}],
    ])('resolves %s %j to the host the AWS SDK resolves, for Step Functions and Lambda', async (region, flags) => {
      const env = { AWS_USE_FIPS_ENDPOINT: String(flags.fips ?? false), AWS_USE_DUALSTACK_ENDPOINT: String(flags.dualStack ?? false) };

      expect(serviceEndpoint(STEP_FUNCTIONS_SERVICE, env, region).href).toBe(await sdkUrl('sfn', region, flags));
      expect(serviceEndpoint(LAMBDA_SERVICE, env, region).href).toBe(await sdkUrl('lambda', region, flags));
    });

    it('(the AWS SDK takes an empty AWS_ENDPOINT_URL_SFN as unset, and goes to AWS_ENDPOINT_URL)', async () => {
      process.env.AWS_ENDPOINT_URL_SFN = '';
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';

      await expect(sdkUrl('sfn', 'eu-west-1')).resolves.toBe('http://127.0.0.1:4566/');
    });

    // The SDK's rule (@smithy/core endpoints, getEndpointUrlConfig): a service variable that is set
    // but empty does not count; serviceEndpoint's `??` keeps the empty string, then goes to AWS.
    it('takes an empty AWS_ENDPOINT_URL_SFN as unset and goes to AWS_ENDPOINT_URL, as the AWS SDK does', () => {
      expect(serviceEndpoint(STEP_FUNCTIONS_SERVICE, { AWS_ENDPOINT_URL_SFN: '', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, 'eu-west-1').href).toBe('http://127.0.0.1:4566/');
    });
  });
});

describe('awsApiClient', () => {
  let fake: AwsWireFake;
  let server: LocalServer | undefined;
  beforeAll(async () => {
    fake = await startAwsWireFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('configuration', () => {
    it('rejects the first request with a ConfigDefinitionError naming AWS_REGION when no region is set, and sends nothing', async () => {
      const { AWS_REGION: _region, ...withoutRegion } = fake.env;
      const api = stepFunctionsApi(withoutRegion);

      const error = await rejectionOf(api.sendTaskHeartbeat('token-1'));

      expect(error).toBeInstanceOf(ConfigDefinitionError);
      expect(error).toMatchObject({ field: 'AWS_REGION', message: expect.stringContaining('AWS_REGION') });
      expect(fake.requests).toHaveLength(0);
    });

    it('takes the region from AWS_DEFAULT_REGION when AWS_REGION is not set', async () => {
      const { AWS_REGION: region, ...withoutRegion } = fake.env;

      await stepFunctionsApi({ ...withoutRegion, AWS_DEFAULT_REGION: region }).sendTaskHeartbeat('token-1');

      expect(fake.refused).toEqual([]);
      expect(fake.actions).toEqual([{ action: 'SendTaskHeartbeat', input: { taskToken: 'token-1' } }]);
    });

    it('rejects the first request with a ConfigDefinitionError naming a malformed AWS_ENDPOINT_URL_SFN', async () => {
      const error = await rejectionOf(stepFunctionsApi({ ...fake.env, AWS_ENDPOINT_URL_SFN: 'sfn.local 8083' }).sendTaskHeartbeat('token-1'));

      expect(error).toBeInstanceOf(ConfigDefinitionError);
      expect(error).toMatchObject({ field: 'AWS_ENDPOINT_URL_SFN' });
      expect(fake.requests).toHaveLength(0);
    });

    it('signs with the credentials provider it is given rather than those of the environment', async () => {
      const client = awsApiClient(STEP_FUNCTIONS_SERVICE, { ...fake.env, AWS_ACCESS_KEY_ID: 'AKIDWRONG', AWS_SECRET_ACCESS_KEY: 'wrong' }, { credentials: async () => WIRE_CREDENTIALS });

      const response = await client.send(heartbeat());

      expect(response.status).toBe(200);
      expect(fake.refused).toEqual([]);
    });

    it("keeps the path of a configured endpoint in front of the request's path", async () => {
      server = await startLocalServer((_request, response) => answerJson(response, 200, {}));

      await stepFunctionsApi({ ...keys, AWS_ENDPOINT_URL_SFN: `${server.url}/proxy/states/` }).sendTaskHeartbeat('token-1');

      expect(server.received.map((request) => request.path)).toEqual(['/proxy/states/']);
    });
  });

  describe('errors', () => {
    it('names the error by the body\'s __type when there is no x-amzn-errortype header', async () => {
      server = await startLocalServer((_request, response) =>
        answerJson(response, 400, { __type: 'com.amazonaws.swf.service.model.v20120816#TaskDoesNotExist', message: 'Task does not exist' }, { 'x-amzn-requestid': 'req-42' }),
      );

      const error = await rejectionOf(stepFunctionsApi({ ...keys, AWS_ENDPOINT_URL_SFN: server.url }).sendTaskHeartbeat('token-1'));

      expect(error).toBeInstanceOf(AwsServiceError);
      expect(error).toMatchObject({ name: 'TaskDoesNotExist', message: 'Task does not exist', $fault: 'client', $metadata: { httpStatusCode: 400, requestId: 'req-42', attempts: 1 } });
    });

    it('names a 502 with a body that is not JSON (a proxy\'s page) by its status, retries it, and calls it a server fault', async () => {
      server = await startLocalServer((_request, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>'));

      const error = await rejectionOf(stepFunctionsApi({ ...keys, AWS_ENDPOINT_URL_SFN: server.url }).sendTaskHeartbeat('token-1'));

      expect(error).toBeInstanceOf(AwsServiceError);
      expect(error).toMatchObject({ name: 'Http502', message: '<html>Bad Gateway</html>', $fault: 'server', $metadata: { httpStatusCode: 502, attempts: 3 } });
      expect(server.received).toHaveLength(3);
    });

    it('does not try again when the signal aborts while it waits before the next attempt', async () => {
      const controller = new AbortController();
      fake.onAction('SendTaskHeartbeat', () => {
        controller.abort();
        throw new AwsFault('ServiceException', 'Internal failure', 500);
      });

      const error = await rejectionOf(awsApiClient(STEP_FUNCTIONS_SERVICE, fake.env).send(heartbeat(controller.signal)));

      expect(error).toMatchObject({ name: 'AbortError' });
      expect(fake.actions).toHaveLength(1);
    });

    it('rejects with an AbortError when the signal aborts while the answer is arriving', async () => {
      const controller = new AbortController();
      server = await startLocalServer((_request, response) => {
        // Half an answer, then nothing.
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': '1000' });
        response.write('{"status":', () => controller.abort());
      });

      const error = await rejectionOf(awsApiClient(STEP_FUNCTIONS_SERVICE, { ...keys, AWS_ENDPOINT_URL_SFN: server.url }).send(heartbeat(controller.signal)));

      expect(error).toMatchObject({ name: 'AbortError' });
      expect(server.received).toHaveLength(1);
    });
  });

  describe('clock skew', () => {
    const SKEW_MS = 20 * 60_000;
    /** A service whose clock is 20 minutes ahead: it refuses requests signed more than 5 minutes off its own time. */
    function skewedService(): Promise<LocalServer> {
      return startLocalServer((request, response) => {
        const serverNow = Date.now() + SKEW_MS;
        const date = new Date(serverNow).toUTCString();
        if (Math.abs(signedAt(request.headers['x-amz-date']) - serverNow) > 5 * 60_000) {
          answerJson(response, 400, { __type: 'InvalidSignatureException', message: 'Signature expired: the request was signed too long ago' }, { date });
        } else {
          answerJson(response, 200, {}, { date });
        }
      });
    }

    it("signs again with the service's time after a clock-skew error, and keeps that time for the next requests", async () => {
      server = await skewedService();
      const api = stepFunctionsApi({ ...keys, AWS_ENDPOINT_URL_SFN: server.url });

      await api.sendTaskHeartbeat('token-1');
      await api.sendTaskHeartbeat('token-2');

      expect(server.received).toHaveLength(3);
      const [refused, corrected, next] = server.received.map((request) => signedAt(request.headers['x-amz-date']));
      expect(corrected - refused).toBeGreaterThan(SKEW_MS - 60_000);
      expect(next - refused).toBeGreaterThan(SKEW_MS - 60_000);
    });

    it('corrects the clock only once: a second clock-skew error is thrown', async () => {
      server = await startLocalServer((_request, response) =>
        answerJson(response, 403, { __type: 'SignatureDoesNotMatch', message: 'Signature not yet current' }, { date: new Date(Date.now() + SKEW_MS).toUTCString() }),
      );

      const error = await rejectionOf(stepFunctionsApi({ ...keys, AWS_ENDPOINT_URL_SFN: server.url }).sendTaskHeartbeat('token-1'));

      expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', $fault: 'client', $metadata: { httpStatusCode: 403, attempts: 2 } });
      expect(server.received).toHaveLength(2);
    });
  });
});

describe('isRetryable', () => {
  it('retries the connection failures the AWS SDK retries, found along the cause chain, and never an abort or a client error', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']) {
      expect(isRetryable(Object.assign(new Error(`getaddrinfo ${code}`), { code }))).toBe(true);
    }
    // DNS not ready yet on a task that has just started, wrapped by whoever caught it first.
    expect(isRetryable(new Error('request failed', { cause: Object.assign(new Error('getaddrinfo EAI_AGAIN states.eu-west-1.amazonaws.com'), { code: 'EAI_AGAIN' }) }))).toBe(true);
    expect(isRetryable(new RequestAbortedError('aborted'))).toBe(false);
    expect(isRetryable(new AwsServiceError('TaskTimedOut', 'gone', { httpStatusCode: 400, attempts: 1 }))).toBe(false);
    expect(isRetryable(new AwsServiceError('ServiceUnavailable', 'busy', { httpStatusCode: 503, attempts: 1 }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }))).toBe(false);
  });
});
