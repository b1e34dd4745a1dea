import type { Agent as HttpAgent } from 'node:http';
import { ConfigDefinitionError } from '../errors';
import { awsCredentials, type CredentialsProvider } from './credentials';
import { RequestAbortedError, httpExchange, type HttpExchangeResponse } from './http-exchange';
import { signRequest } from './sigv4';

/** An AWS service as its API is reached: signing name, endpoint prefix, and the suffix of its `AWS_ENDPOINT_URL_<ID>` variable. */
export interface AwsServiceDescription {
  /** The SigV4 signing name, e.g. `states`. */
  readonly signingName: string;
  /** The first label of its regional host name, e.g. `states` in `states.eu-west-1.amazonaws.com`. */
  readonly endpointPrefix: string;
  /** The service's id in `AWS_ENDPOINT_URL_<ID>`, e.g. `SFN`. */
  readonly endpointId: string;
}

/** One request to the service, before signing. */
export interface AwsApiRequest {
  readonly method: 'GET' | 'POST';
  /** Percent-encoded, without the endpoint's own path. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly signal?: AbortSignal;
}

/** Sends signed requests to one AWS service; resolves with a 2xx answer, or rejects with `AwsServiceError` or the transport's error. */
export interface AwsApiClient {
  send(request: AwsApiRequest): Promise<HttpExchangeResponse>;
}

/** Retries as the AWS SDK's standard mode does (3 attempts, exponential backoff with full jitter). */
export const AwsRetryDefaults = {
  maxAttempts: 3,
  baseDelayMs: 100,
  throttlingBaseDelayMs: 500,
  maxDelayMs: 20_000,
} as const;

const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT_ERRORS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/** A clock this far from the service's is corrected (the AWS SDK's threshold). */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Signature errors of a wrong clock: the request is signed again with the server's time. */
const CLOCK_SKEW_ERRORS = new Set(['AuthFailure', 'InvalidSignatureException', 'RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed', 'SignatureDoesNotMatch']);

/**
 * An error the service answered with, shaped as the AWS SDK shapes it: `name` is the service's
 * error code (`TaskTimedOut`, `ResourceNotFoundException`, …), `$fault` says whose fault it is,
 * `$metadata.httpStatusCode` the HTTP status.
 */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string; readonly attempts: number };
  readonly $retryable?: { readonly throttling: boolean };

  constructor(code: string, message: string, metadata: { httpStatusCode: number; requestId?: string; attempts: number }) {
    super(message);
    this.name = code;
    this.$fault = metadata.httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = metadata;
    const throttling = THROTTLING_ERRORS.has(code) || metadata.httpStatusCode === 429;
    if (throttling || TRANSIENT_ERRORS.has(code) || TRANSIENT_STATUSES.has(metadata.httpStatusCode)) this.$retryable = { throttling };
  }
}

/** `AWS_REGION` (or `AWS_DEFAULT_REGION`), as ECS, Fargate and the local engine set it. */
function regionOf(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigDefinitionError('The AWS region is not set: set AWS_REGION (ECS, Fargate and the local engine set it for the container).', { field: 'AWS_REGION' });
  return region;
}

const isTrue = (value: string | undefined): boolean => value?.toLowerCase() === 'true';

/**
 * The service's endpoint as the standard AWS configuration gives it: `AWS_ENDPOINT_URL_<ID>`, then
 * `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), else the regional endpoint of
 * the region's partition, FIPS (`AWS_USE_FIPS_ENDPOINT`) and dual-stack (`AWS_USE_DUALSTACK_ENDPOINT`) as asked.
 *
 * @example
 * serviceEndpoint({ signingName: 'states', endpointPrefix: 'states', endpointId: 'SFN' }, {}, 'eu-west-1').href; // 'https://states.eu-west-1.amazonaws.com/'
 */
export function serviceEndpoint(service: AwsServiceDescription, env: NodeJS.ProcessEnv, region: string): URL {
  // An empty variable counts as unset, as the SDK takes it.
  const variable = isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
    ? undefined
    : [`AWS_ENDPOINT_URL_${service.endpointId}`, 'AWS_ENDPOINT_URL'].find((name) => env[name]);
  if (variable) {
    const configured = env[variable]!;
    let url: URL | undefined;
    try {
      url = new URL(configured);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigDefinitionError(`${variable} must be an http or https URL, like https://states.eu-west-1.amazonaws.com: got ${configured}`, { field: variable });
    }
    return url;
  }
  const dualStack = isTrue(env.AWS_USE_DUALSTACK_ENDPOINT);
  const suffix = dnsSuffixOf(region, dualStack);
  const prefix = isTrue(env.AWS_USE_FIPS_ENDPOINT) ? `${service.endpointPrefix}-fips` : service.endpointPrefix;
  return new URL(`https://${prefix}.${region}.${suffix}`);
}

/** The DNS suffix of a region's partition (dual-stack: the `api.` names of the partitions that have them). */
function dnsSuffixOf(region: string, dualStack: boolean): string {
  if (region.startsWith('cn-')) return dualStack ? 'api.amazonwebservices.com.cn' : 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eusc-')) return 'amazonaws.eu';
  return dualStack ? 'api.aws' : 'amazonaws.com';
}

/** The error code and message of a failed answer: the `x-amzn-errortype` header or the body's `__type` / `code`. */
function serviceErrorOf(response: HttpExchangeResponse, attempts: number): AwsServiceError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'));
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status names the error.
  }
  const header = response.headers['x-amzn-errortype'];
  const raw = [typeof header === 'string' ? header : undefined, body.__type, body.code, body.Code].find((value): value is string => typeof value === 'string' && value !== '');
  // `aws.protocoltests#TaskTimedOut` or `TaskTimedOut:http://internal.amazon.com/…`: the name alone.
  const code = raw?.split(':')[0].split('#').pop() || `Http${response.status}`;
  const message = [body.message, body.Message, body.errorMessage].find((value): value is string => typeof value === 'string') ?? (response.body.toString('utf8').slice(0, 500) || `HTTP ${response.status}`);
  const requestId = response.headers['x-amzn-requestid'];
  return new AwsServiceError(code, message, { httpStatusCode: response.status, attempts, ...(typeof requestId === 'string' ? { requestId } : {}) });
}

function isRetryable(error: unknown): boolean {
  if (error instanceof RequestAbortedError) return false;
  if (error instanceof AwsServiceError) return error.$retryable !== undefined;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** Waits `ms`, or less when `signal` aborts (the next attempt then sees it). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A client for one AWS service that signs its requests with SigV4 and sends them with Node's own
 * HTTP client over a keep-alive agent: what the agent container needs of Step Functions and
 * Lambda, without loading the AWS SDK (about 1 MB of code and 10 MB of memory in a process that
 * makes a handful of calls). Region, endpoint and credentials come from the standard AWS
 * configuration in `env`, resolved at the first request; failures are retried as the SDK's
 * standard mode retries them.
 *
 * @example
 * const states = awsApiClient({ signingName: 'states', endpointPrefix: 'states', endpointId: 'SFN' }, process.env);
 * await states.send({ method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.SendTaskHeartbeat' }, body: Buffer.from('{"taskToken":"…"}') });
 */
export function awsApiClient(service: AwsServiceDescription, env: NodeJS.ProcessEnv, options: { credentials?: CredentialsProvider } = {}): AwsApiClient {
  let resolved: { endpoint: URL; region: string; credentials: CredentialsProvider; agent: HttpAgent } | undefined;
  /** Server time − local time, learnt from a clock-skew error. */
  let clockOffsetMs = 0;
  /** Errors that corrected the clock: their request is signed again at once. */
  const correctedClock = new WeakSet<AwsServiceError>();
  const setup = (): NonNullable<typeof resolved> => {
    if (resolved) return resolved;
    const region = regionOf(env);
    const endpoint = serviceEndpoint(service, env, region);
    const credentials = options.credentials ?? awsCredentials(env);
    const transport = endpoint.protocol === 'https:' ? (require('node:https') as typeof import('node:https')) : (require('node:http') as typeof import('node:http'));
    resolved = { endpoint, region, credentials, agent: new transport.Agent({ keepAlive: true, maxSockets: 50 }) };
    return resolved;
  };

  const attempt = async (request: AwsApiRequest, attempts: number): Promise<HttpExchangeResponse> => {
    const { endpoint, region, credentials, agent } = setup();
    const path = `${endpoint.pathname.replace(/\/$/, '')}${request.path}`;
    const headers = signRequest(
      { method: request.method, path, ...(request.query ? { query: request.query } : {}), headers: { ...request.headers, host: endpoint.host }, body: request.body },
      { service: service.signingName, region, credentials: await credentials(), date: new Date(Date.now() + clockOffsetMs) },
    );
    const search = new URLSearchParams(request.query).toString();
    const url = new URL(`${endpoint.protocol}//${endpoint.host}${path}${search ? `?${search}` : ''}`);
    const response = await httpExchange(url, { method: request.method, headers: { ...headers, 'user-agent': 'stepwise-agents' }, body: request.body, signal: request.signal, agent });
    if (response.status >= 200 && response.status < 300) return response;
    const error = serviceErrorOf(response, attempts);
    const serverDate = Date.parse(String(response.headers.date ?? ''));
    if (CLOCK_SKEW_ERRORS.has(error.name) && Number.isFinite(serverDate) && Math.abs(serverDate - (Date.now() + clockOffsetMs)) >= CLOCK_SKEW_MS) {
      clockOffsetMs = serverDate - Date.now();
      correctedClock.add(error);
    }
    throw error;
  };

  return {
    async send(request) {
      for (let attempts = 1; ; attempts += 1) {
        try {
          return await attempt(request, attempts);
        } catch (error) {
          const skewed = attempts === 1 && error instanceof AwsServiceError && correctedClock.has(error);
          if ((!skewed && !isRetryable(error)) || attempts >= AwsRetryDefaults.maxAttempts || request.signal?.aborted) throw error;
          const throttled = error instanceof AwsServiceError && error.$retryable?.throttling;
          const base = throttled ? AwsRetryDefaults.throttlingBaseDelayMs : AwsRetryDefaults.baseDelayMs;
          await pause(skewed ? 0 : Math.random() * Math.min(AwsRetryDefaults.maxDelayMs, base * 2 ** (attempts - 1)), request.signal);
          if (request.signal?.aborted) throw new RequestAbortedError('The request was aborted', { cause: request.signal.reason });
        }
      }
    },
  };
}
