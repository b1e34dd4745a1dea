import { setTimeout as sleep } from 'node:timers/promises';
import { EventType } from '../events';
import type { EventLog, LoggedEvent } from './event-log';
import { describeError } from '../errors';
import { StoreCorruptError } from './errors';
import { assertSequence } from './json';

/**
 * The Server-Sent Events protocol of an execution's progress, served by the local engine and by
 * the deployed stack alike: `GET /executions/{executionArn}/events`, one SSE message per logged
 * event (`id:` its seq, `event:` its type, `data:` its JSON), comment lines as keepalives, and a
 * final `execution.ended` message once the execution has stopped and every event was sent. A
 * stream that ends without that message hit its connection's time or size limit: the client
 * reconnects with `Last-Event-ID` (or `?after=`) and misses nothing.
 */
export const EventStreamProtocol = {
  contentType: 'text/event-stream',
  /** The request header a reconnecting client sends: the seq of the last event it received. */
  lastEventIdHeader: 'last-event-id',
  /** Query parameter alternative to `Last-Event-ID`. */
  afterParameter: 'after',
  /** `follow=false`: send what is logged, then end (with `execution.ended`) without waiting for more. */
  followParameter: 'follow',
  /** The name of the final message; its data is `{ executionArn, status }`. */
  endedEvent: 'execution.ended',
  /**
   * The name of the message that ends a stream which cannot go on: its data is
   * `{ name, message, retryable }`. `retryable: false` (the log is damaged: `StoreCorruptError`)
   * means reconnecting would fail the same way, so a client reports it instead.
   */
  errorEvent: 'error',
  /** The execution status that means "still running". */
  runningStatus: 'RUNNING',
} as const;

/** Defaults of `streamExecutionEvents`. */
export const EventStreamDefaults = {
  /** Pause between two reads of the log when nothing new arrived. */
  pollMs: 500,
  /** A comment line after this long without a message, so proxies keep the connection and a gone client is noticed. */
  keepaliveMs: 15_000,
  /** Events read from the log at once. */
  pageSize: 100,
} as const;

/** How a stream ended. */
export type EventStreamEnd =
  /** The execution has stopped and every event was sent, then `execution.ended`. */
  | 'ended'
  /** `stopAt` came, or the next message would pass `maxBytes`: the client reconnects from its cursor. */
  | 'limit'
  /** The client went away (`signal` aborted, or a write failed). */
  | 'closed'
  /** The log could not be read; an `error` message said why. */
  | 'error';

/** What `streamExecutionEvents` takes. */
export interface StreamExecutionEventsOptions {
  readonly events: EventLog;
  readonly executionArn: string;
  /** The client's cursor: only events with a larger seq are sent. */
  readonly after: number;
  /** `false`: send what is logged now, then end. */
  readonly follow: boolean;
  /** The execution's current status (`RUNNING` while it runs); read before the log, so a stopped execution has logged everything. */
  readonly status: () => Promise<string> | string;
  /** Writes a piece of the response; resolves when the stream can take more. */
  readonly write: (chunk: string) => Promise<void> | void;
  /** Aborts when the client has gone. */
  readonly signal?: AbortSignal;
  /** @default EventStreamDefaults.pollMs */
  readonly pollMs?: number;
  /** @default EventStreamDefaults.keepaliveMs */
  readonly keepaliveMs?: number;
  /**
   * Reads of `status` while nothing happens are at least this far apart (a remote status costs a
   * request). A run's final event triggers a read at once.
   * @default 0 (every poll)
   */
  readonly statusIntervalMs?: number;
  /** End the stream (without `execution.ended`) at this time, in epoch milliseconds. @default never */
  readonly stopAt?: number;
  /** End the stream (without `execution.ended`) before it would pass this many bytes. @default no limit */
  readonly maxBytes?: number;
  /**
   * Write a comment line on the first quiet poll after events were sent. Some transports (Lambda's
   * streamed responses) hold a small write back until the next one; this bounds the delay by `pollMs`.
   * @default false
   */
  readonly nudgeAfterEvents?: boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * One event as an SSE message.
 *
 * @example
 * formatEventMessage({ seq: 3, event }); // 'id: 3\nevent: tool.called\ndata: {"type":"tool.called",…}\n\n'
 */
export function formatEventMessage({ seq, event }: LoggedEvent): string {
  return `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The final SSE message of a stream whose execution has stopped.
 *
 * @example
 * formatEndedMessage(executionArn, 'SUCCEEDED'); // 'event: execution.ended\ndata: {"executionArn":"…","status":"SUCCEEDED"}\n\n'
 */
export function formatEndedMessage(executionArn: string, status: string): string {
  return `event: ${EventStreamProtocol.endedEvent}\ndata: ${JSON.stringify({ executionArn, status })}\n\n`;
}

/**
 * The SSE message that ends a stream whose log cannot be read. Damaged data is not retryable; a
 * failed read (a network or throttling error) may succeed on the next connection.
 *
 * @example
 * formatErrorMessage(new StoreCorruptError('events/run.jsonl:7', 'not a logged event'));
 * // 'event: error\ndata: {"name":"Stepwise.CheckpointError","message":"Stored data at events/run.jsonl:7 …","retryable":false}\n\n'
 */
export function formatErrorMessage(error: unknown): string {
  const { name, message } = describeError(error);
  return `event: ${EventStreamProtocol.errorEvent}\ndata: ${JSON.stringify({ name, message, retryable: !(error instanceof StoreCorruptError) })}\n\n`;
}

/**
 * The cursor a client sent: `Last-Event-ID`, else `?after=`, else 0. Anything that is not a
 * whole number counts as 0 (the client then receives everything again, which it can dedupe by id).
 *
 * @example
 * cursorFrom('7', null); // 7
 */
export function cursorFrom(lastEventId: string | undefined, after: string | null | undefined): number {
  const cursor = Number(lastEventId ?? after ?? '0');
  return Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : 0;
}

const isRunEnd = (logged: LoggedEvent) => logged.event.type === EventType.RunCompleted || logged.event.type === EventType.RunFailed;

/**
 * Streams an execution's events as Server-Sent Events (see `EventStreamProtocol`): what is logged
 * after the cursor, then new events as they are appended, until the execution has stopped and
 * every event was sent (then `execution.ended`), the connection's limit, or the client leaves.
 * Only events after the cursor are ever read.
 *
 * @example
 * const end = await streamExecutionEvents({ events, executionArn, after: 0, follow: true, status: () => 'RUNNING', write: (chunk) => void response.write(chunk) });
 */
export async function streamExecutionEvents(options: StreamExecutionEventsOptions): Promise<EventStreamEnd> {
  assertSequence(options.after, 'after');
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? EventStreamDefaults.pollMs;
  const keepaliveMs = options.keepaliveMs ?? EventStreamDefaults.keepaliveMs;
  const statusIntervalMs = options.statusIntervalMs ?? 0;
  const signal = options.signal;
  let cursor = options.after;
  let bytes = 0;
  let lastWrite = now();
  let statusReadAt = Number.NEGATIVE_INFINITY;
  /** The status the `execution.ended` message reports, once the stream may end. */
  let finalStatus: string | undefined;
  let runEnded = false;
  let sentSinceQuiet = false;

  const send = async (chunk: string): Promise<boolean> => {
    const size = Buffer.byteLength(chunk);
    if (options.maxBytes !== undefined && bytes + size > options.maxBytes) return false;
    await options.write(chunk);
    bytes += size;
    lastWrite = now();
    return true;
  };

  try {
    while (!signal?.aborted) {
      if (options.stopAt !== undefined && now() >= options.stopAt) return 'limit';
      // The status is read before the log: once it says stopped, an empty read means nothing more will come.
      if (finalStatus === undefined && (!options.follow || runEnded || now() - statusReadAt >= statusIntervalMs)) {
        const status = await options.status();
        statusReadAt = now();
        if (status !== EventStreamProtocol.runningStatus || !options.follow) finalStatus = status;
      }
      let logged: LoggedEvent[];
      try {
        logged = await options.events.read(options.executionArn, { after: cursor, limit: EventStreamDefaults.pageSize });
      } catch (error) {
        if (signal?.aborted) return 'closed';
        // Said to the client, not only logged: a stream that just stops reads as "nothing happened".
        await send(formatErrorMessage(error));
        return 'error';
      }
      for (const entry of logged) {
        if (signal?.aborted) return 'closed';
        if (!(await send(formatEventMessage(entry)))) return 'limit';
        cursor = entry.seq;
        sentSinceQuiet = true;
        if (isRunEnd(entry)) runEnded = true;
      }
      if (logged.length > 0) continue;
      if (finalStatus !== undefined) {
        return (await send(formatEndedMessage(options.executionArn, finalStatus))) ? 'ended' : 'limit';
      }
      const nudge = options.nudgeAfterEvents === true && sentSinceQuiet;
      sentSinceQuiet = false;
      if ((nudge || now() - lastWrite >= keepaliveMs) && !(await send(': keepalive\n\n'))) return 'limit';
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
    return 'closed';
  } catch (error) {
    // A write to a client that has gone fails; anything else is the caller's to report.
    if (signal?.aborted) return 'closed';
    throw error;
  }
}
