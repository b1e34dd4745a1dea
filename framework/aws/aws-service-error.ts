import { RequestAbortedError, type HttpExchangeResponse } from './http-exchange';

/** Error codes that mean "too many requests": retried after a longer pause. */
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
/** Connection failures the AWS SDK retries (DNS not ready yet, as on a task that has just started, among them). */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * An error the service answered with, shaped as the AWS SDK shapes it: `name` is the service's
 * error code (`TaskTimedOut`, `ResourceNotFoundException`, …), `$fault` says whose fault it is,
 * `$metadata.httpStatusCode` the HTTP status, `$retryable` whether it may be retried.
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

/** The error of a failed answer: its code from the `x-amzn-errortype` header or the body's `__type` / `code`, its message from the body. */
export function serviceErrorOf(response: HttpExchangeResponse, attempts: number): AwsServiceError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'));
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status names the error.
  }
  const header = response.headers['x-amzn-errortype'];
  const raw = [typeof header === 'string' ? header : undefined, body.__type, body.code, body.Code].find((value): value is string => typeof value === 'string' && value !== '');
  // `aws.protocoltests#TaskTimedOut`, `TaskTimedOut:http://internal.amazon.com/…` or `TaskTimedOut,…`: the name alone.
  const code = raw?.split(',')[0].split(':')[0].split('#').pop()?.trim() || `Http${response.status}`;
  const message = [body.message, body.Message, body.errorMessage].find((value): value is string => typeof value === 'string') ?? (response.body.toString('utf8').slice(0, 500) || `HTTP ${response.status}`);
  const requestId = response.headers['x-amzn-requestid'];
  return new AwsServiceError(code, message, { httpStatusCode: response.status, attempts, ...(typeof requestId === 'string' ? { requestId } : {}) });
}

/** Whether a failed request may be sent again: a throttled or transient answer, or a connection failure (looked for along the `cause` chain). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RequestAbortedError) return false;
  if (error instanceof AwsServiceError) return error.$retryable !== undefined;
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  }
  return false;
}
