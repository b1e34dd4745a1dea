import type { Agent as HttpAgent } from 'node:http';
import { AwsServiceError, isRetryable, serviceErrorOf } from './aws-service-error';
import { awsCredentials, type CredentialsProvider } from './credentials';
import { awsRegion, serviceEndpoint, type AwsServiceDescription } from './endpoint';
import { RequestAbortedError, httpExchange, transportOf, type HttpExchangeResponse } from './http-exchange';
import { queryString, signRequest } from './sigv4';

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

/** What an API client is made with besides the environment. */
export interface AwsApiClientOptions {
  /** @default `awsCredentials(env)`; pass one provider to several clients so they share its cache */
  readonly credentials?: CredentialsProvider;
}

/** Retries as the AWS SDK's standard mode does (3 attempts, exponential backoff with full jitter). */
export const AwsRetryDefaults = {
  maxAttempts: 3,
  baseDelayMs: 100,
  throttlingBaseDelayMs: 500,
  maxDelayMs: 20_000,
} as const;

/** A clock this far from the service's is corrected (the AWS SDK's threshold). */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Signature errors of a wrong clock: the request is signed again with the server's time. */
const CLOCK_SKEW_ERRORS = new Set(['AuthFailure', 'InvalidSignatureException', 'RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed', 'SignatureDoesNotMatch']);

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
 * Lambda, without loading the AWS SDK (docs/ARCHITECTURE.md, "The container bundle"). Region,
 * endpoint and credentials come from the standard AWS configuration in `env`, resolved at the
 * first request (a missing region or a malformed endpoint then rejects it with a
 * `ConfigDefinitionError`); failures are retried as the SDK's standard mode retries them.
 *
 * @example
 * const states = awsApiClient({ signingName: 'states', endpointPrefix: 'states', endpointId: 'SFN' }, process.env);
 * await states.send({ method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.SendTaskHeartbeat' }, body: Buffer.from('{"taskToken":"…"}') });
 */
export function awsApiClient(service: AwsServiceDescription, env: NodeJS.ProcessEnv, options: AwsApiClientOptions = {}): AwsApiClient {
  let resolved: { endpoint: URL; region: string; credentials: CredentialsProvider; agent: HttpAgent } | undefined;
  /** Server time − local time, learnt from a clock-skew error. */
  let clockOffsetMs = 0;
  /** Errors that corrected the clock: their request is signed again at once. */
  const correctedClock = new WeakSet<AwsServiceError>();
  const setup = (): NonNullable<typeof resolved> => {
    if (resolved) return resolved;
    const region = awsRegion(env);
    const endpoint = serviceEndpoint(service, env, region);
    const transport = transportOf(endpoint) as typeof import('node:http');
    resolved = { endpoint, region, credentials: options.credentials ?? awsCredentials(env), agent: new transport.Agent({ keepAlive: true, maxSockets: 50 }) };
    return resolved;
  };

  const attempt = async (request: AwsApiRequest, attempts: number): Promise<HttpExchangeResponse> => {
    const { endpoint, region, credentials, agent } = setup();
    const path = `${endpoint.pathname.replace(/\/$/, '')}${request.path}`;
    const headers = signRequest(
      { method: request.method, path, ...(request.query ? { query: request.query } : {}), headers: { ...request.headers, host: endpoint.host }, body: request.body },
      { service: service.signingName, region, credentials: await credentials(), date: new Date(Date.now() + clockOffsetMs) },
    );
    const search = queryString(request.query);
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
