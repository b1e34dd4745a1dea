/**
 * Bounded model calls, shared by every provider: each attempt has a deadline that covers the whole
 * response (headers, body, stream), every wait is abortable, and a retry never waits past the
 * caller's deadline or longer than the policy allows — whatever the endpoint's `Retry-After` says.
 */
import { ModelDeadlineError, ModelError } from '../errors';

/** How a model retries, shared by the providers' options. */
export interface RetryPolicy {
  /** Retries after the first attempt (throttling, server errors, dropped connections, broken streams, timeouts). */
  readonly maxRetries: number;
  /** Time allowed for one attempt, from sending the request to the last byte of the answer. */
  readonly timeoutMs: number;
  /** The longest wait before a retry; an endpoint that asks for longer fails the call at once. */
  readonly maxRetryWaitMs: number;
}

/** Defaults of `RetryPolicy` and of the backoff when the endpoint names no wait. */
export const RetryDefaults = {
  maxRetries: 3,
  timeoutMs: 600_000,
  maxRetryWaitMs: 60_000,
  initialBackoffMs: 500,
  maxBackoffMs: 8_000,
} as const;

/** What one failed attempt allows. */
export interface AttemptFailure {
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean;
  /** The wait the endpoint asked for (`Retry-After`, `retry-after-ms`), in ms. */
  readonly retryAfterMs?: number;
  /** What went wrong, given the number of attempts made; the message of the error when no retry follows. */
  readonly explain: (attempts: number) => string;
}

/** What an attempt gets: its own signal, aborted at its timeout, at the deadline or when the caller aborts. */
export interface Attempt {
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly number: number;
}

/** One model call to bound. */
export interface BoundedCall {
  readonly modelId: string;
  /** Where the request goes, for messages. */
  readonly endpoint: string;
  readonly policy: RetryPolicy;
  readonly signal?: AbortSignal;
  /** Epoch ms by which everything must be over. */
  readonly deadline?: number;
  /** Reads a failed attempt: whether to retry and how to explain it. */
  readonly classify: (error: unknown) => AttemptFailure;
}

/** How an attempt ended when one of our own timers or the caller stopped it. */
type Stop = 'timeout' | 'deadline' | 'aborted';

/**
 * Runs `attempt` until it succeeds, retrying what `classify` allows within `policy` and the
 * deadline. Throws `ModelError` (aborted, not retryable, retries used up, a wait longer than
 * `maxRetryWaitMs`) or `ModelDeadlineError` (the deadline passed or would pass while waiting).
 *
 * @example
 * const text = await boundedCall({ modelId, endpoint, policy, signal, deadline, classify }, ({ signal }) => fetchAnswer(signal));
 */
export async function boundedCall<T>(call: BoundedCall, attempt: (current: Attempt) => Promise<T>): Promise<T> {
  const { modelId, endpoint, policy } = call;
  for (let number = 1; ; number++) {
    if (call.signal?.aborted) throw abortedError(call);
    const remaining = remainingMs(call.deadline);
    if (remaining <= 0) throw new ModelDeadlineError(modelId, `the call to ${endpoint} could not start before the deadline`);
    const controller = new AbortController();
    let stop: Stop | undefined;
    const halt = (reason: Stop) => () => {
      stop ??= reason;
      controller.abort(new Error(`model call ${reason}`));
    };
    const onAbort = halt('aborted');
    const timers = [setTimeout(halt('timeout'), policy.timeoutMs)];
    if (Number.isFinite(remaining)) timers.push(setTimeout(halt('deadline'), remaining));
    call.signal?.addEventListener('abort', onAbort, { once: true });
    let failure: AttemptFailure;
    try {
      return await attempt({ signal: controller.signal, number });
    } catch (error) {
      if (stop === 'aborted' || call.signal?.aborted) throw abortedError(call, error);
      if (stop === 'deadline') {
        throw new ModelDeadlineError(modelId, `${endpoint} was still answering when the deadline came (attempt ${number})`, { cause: error });
      }
      failure =
        stop === 'timeout'
          ? { retryable: true, explain: (attempts) => `${endpoint} did not finish answering within ${policy.timeoutMs} ms${attemptsNote(attempts)}; check that the server is up, or raise timeoutMs` }
          : call.classify(error);
      if (!failure.retryable || number > policy.maxRetries) throw new ModelError(modelId, failure.explain(number), { cause: error });
      const wait = failure.retryAfterMs ?? backoffMs(number);
      const asked = failure.retryAfterMs !== undefined;
      const waitText = `${asked ? 'it asks to wait' : 'the next retry would wait'} ${seconds(wait)} s before retrying`;
      // The deadline is checked first: when both bind, the caller's budget is the reason to give up.
      const left = remainingMs(call.deadline);
      if (wait >= left) {
        throw new ModelDeadlineError(modelId, `${failure.explain(number)}; ${waitText}, but only ${seconds(left)} s are left before the deadline`, { retryAfterMs: wait, cause: error });
      }
      if (asked && wait > policy.maxRetryWaitMs) {
        throw new ModelError(modelId, `${failure.explain(number)}; ${waitText}, more than maxRetryWaitMs (${policy.maxRetryWaitMs} ms) allows. Try again later, or raise maxRetryWaitMs`, { cause: error });
      }
      await sleep(Math.min(wait, policy.maxRetryWaitMs), call.signal).catch((abort: unknown) => {
        throw abortedError(call, abort);
      });
    } finally {
      for (const timer of timers) clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
    }
  }
}

function remainingMs(deadline: number | undefined): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

function abortedError(call: BoundedCall, cause?: unknown): ModelError {
  return new ModelError(call.modelId, `the request to ${call.endpoint} was aborted before it answered`, { cause });
}

/** Exponential backoff with up to 25% jitter, as the OpenAI and AWS SDKs do. */
function backoffMs(attemptNumber: number): number {
  const base = Math.min(RetryDefaults.initialBackoffMs * 2 ** (attemptNumber - 1), RetryDefaults.maxBackoffMs);
  return base * (1 - Math.random() * 0.25);
}

/** ` after N attempts` when there was more than one. */
export function attemptsNote(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : '';
}

/** Milliseconds as seconds for people: whole seconds as is, else one decimal. */
function seconds(ms: number): string {
  const value = Math.max(0, ms) / 1000;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Waits `ms`, or rejects at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A wait the endpoint asked for, from `retry-after-ms` or the standard `Retry-After` (seconds or an
 * HTTP date); undefined when it names none.
 *
 * @example
 * retryAfterFrom((name) => response.headers.get(name)); // 3600000 for `Retry-After: 3600`
 */
export function retryAfterFrom(header: (name: string) => string | null | undefined): number | undefined {
  const milliseconds = Number.parseFloat(header('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = header('retry-after');
  if (!value) return undefined;
  const secondsValue = Number.parseFloat(value);
  if (Number.isFinite(secondsValue) && secondsValue >= 0) return secondsValue * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
