import { setTimeout as sleep } from 'node:timers/promises';
import { EventStreamProtocol, type LoggedEvent, type StepwiseEvent } from '../framework/internal';
import type { RequestSigner } from './aws-signing';
import { ServerReportedError, UsageError } from './errors';
import { readServerSentEvents } from './sse';

/** Where an execution's event stream is served: the local engine, or the deployed stack's endpoint. */
export interface EventStreamSource {
  /** Base URL; the stream is at `<base>executions/{executionArn}/events`. */
  readonly baseUrl: string;
  /** Names the server in error messages, e.g. "the local engine at http://127.0.0.1:8723". */
  readonly description: string;
  /** What to do when the server cannot be reached. */
  readonly unreachableHint: string;
  /** The error to throw when the server never answered (the local engine: `NoEngineError`). */
  readonly notThere?: () => Error;
  /** What to do when the server refuses the caller (403). */
  readonly forbiddenHint?: string;
  /** Signs each request (AWS SigV4); the local engine needs none. */
  readonly sign?: RequestSigner;
}

/** What `readExecutionEvents` takes. */
export interface ReadExecutionEventsOptions {
  /** Only events after this seq. @default 0 */
  readonly after?: number;
  /** `true`: wait for new events until the execution ends; `false`: what is logged now. */
  readonly follow: boolean;
  readonly signal?: AbortSignal;
  /** Failed connections in a row (network errors, 5xx) before giving up. @default 5 */
  readonly maxFailures?: number;
  /** Pause before reconnecting; doubles with each failure in a row. @default 250 */
  readonly reconnectDelayMs?: number;
}

const MIN_HEALTHY_CONNECTION_MS = 1_000;

/** The data of an `error` message; anything unreadable counts as retryable. */
function serverProblem(data: string): { message: string; retryable: boolean } {
  try {
    const body = JSON.parse(data) as { message?: unknown; retryable?: unknown };
    return { message: typeof body.message === 'string' ? body.message : data, retryable: body.retryable !== false };
  } catch {
    return { message: data, retryable: true };
  }
}

async function problemOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: string; Message?: string };
    return body.message ?? body.Message ?? text;
  } catch {
    return text || response.statusText;
  }
}

/**
 * Reads an execution's events from the Server-Sent Events endpoint of the local engine or of a
 * deployed stack (the same protocol, `EventStreamProtocol`): yields each event once, in order,
 * and ends when the server sends `execution.ended`. A stream that ends without it (the
 * connection's time or size limit) or breaks is reopened from the last event received, with
 * `Last-Event-ID`, so nothing is missed and nothing repeats.
 *
 * @example
 * for await (const { seq, event } of readExecutionEvents(source, executionArn, { follow: true })) print(event);
 */
export async function* readExecutionEvents(source: EventStreamSource, executionArn: string, options: ReadExecutionEventsOptions): AsyncGenerator<LoggedEvent, void, undefined> {
  const maxFailures = options.maxFailures ?? 5;
  const reconnectDelayMs = options.reconnectDelayMs ?? 250;
  let cursor = options.after ?? 0;
  let failures = 0;
  let connected = false;
  const fail = async (problem: string): Promise<void> => {
    failures += 1;
    // A server that never answered is not there (say so at once); one that did may be back in a moment.
    if (!connected && source.notThere) throw source.notThere();
    if (!connected || failures > maxFailures) throw new UsageError(`Cannot read the events of ${executionArn} from ${source.description}: ${problem}. ${source.unreachableHint}`);
    await sleep(reconnectDelayMs * 2 ** (failures - 1), undefined, { signal: options.signal }).catch(() => undefined);
  };

  while (!options.signal?.aborted) {
    const url = new URL(`executions/${encodeURIComponent(executionArn)}/events`, source.baseUrl);
    url.searchParams.set(EventStreamProtocol.afterParameter, String(cursor));
    if (!options.follow) url.searchParams.set(EventStreamProtocol.followParameter, 'false');
    const unsigned = { accept: EventStreamProtocol.contentType, [EventStreamProtocol.lastEventIdHeader]: String(cursor) };
    const headers = source.sign ? await source.sign({ url, headers: unsigned }) : unsigned;
    // Closes this connection when the caller stops reading or aborts.
    const connection = new AbortController();
    const abort = () => connection.abort();
    options.signal?.addEventListener('abort', abort);
    const opened = Date.now();
    let received = 0;
    try {
      let response: Response;
      try {
        response = await fetch(url, { headers, signal: connection.signal });
      } catch (error) {
        if (options.signal?.aborted) return;
        await fail((error as Error).message);
        continue;
      }
      connected = true;
      if (response.status === 403) throw new UsageError(`${source.description} refused to stream ${executionArn}: ${await problemOf(response)}. ${source.forbiddenHint ?? ''}`.trim());
      if (response.status === 404 || response.status === 400) throw new UsageError(`Cannot read the events of ${executionArn} from ${source.description}: ${await problemOf(response)}`);
      if (!response.ok || !response.body) {
        await fail(`HTTP ${response.status} ${await problemOf(response)}`);
        continue;
      }
      try {
        for await (const message of readServerSentEvents(response.body)) {
          if (message.event === EventStreamProtocol.endedEvent) return;
          if (message.event === EventStreamProtocol.errorEvent) {
            const problem = serverProblem(message.data);
            if (!problem.retryable) throw new ServerReportedError(`Cannot read the events of ${executionArn} from ${source.description}: ${problem.message}`);
            throw new Error(problem.message); // a failed connection: reconnect from the cursor
          }
          const seq = Number(message.id);
          // Keepalives carry no id; an id at or before the cursor was already delivered.
          if (!message.data || !Number.isSafeInteger(seq) || seq <= cursor) continue;
          const event = JSON.parse(message.data) as StepwiseEvent;
          cursor = seq;
          received += 1;
          failures = 0;
          yield { seq, event };
        }
      } catch (error) {
        if (error instanceof ServerReportedError) throw error;
        if (options.signal?.aborted) return;
        await fail(`the stream broke (${(error as Error).message})`);
        continue;
      }
      // Ended without `execution.ended`: the connection's limit. Reconnect from the cursor; a server
      // that keeps closing at once without sending anything is a failure.
      if (received === 0 && Date.now() - opened < MIN_HEALTHY_CONNECTION_MS) await fail('the stream ended before the execution did');
    } finally {
      options.signal?.removeEventListener('abort', abort);
      connection.abort();
    }
  }
}
