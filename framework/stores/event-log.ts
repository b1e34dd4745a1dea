import type { StepwiseEvent } from '../events';
import { InvalidInputError } from '../errors';
import { assertStoreKey } from './key-encoding';
import { assertSequence, cloneJson, isJsonObject } from './json';

/** An event with its position in the execution's log. */
export interface LoggedEvent {
  /** 1 for the first event of an execution, then strictly increasing with no gaps. */
  readonly seq: number;
  readonly event: StepwiseEvent;
}

/** Which part of a log to read. */
export interface ReadEventsOptions {
  /** Only events with a larger `seq` (the cursor of a reconnecting client). @default 0 */
  readonly after?: number;
  /** At most this many events. @default no limit */
  readonly limit?: number;
}

/**
 * A durable per-execution log of events with a cursor, so a client that reconnects (or comes back
 * after an approval pause) gets exactly what it missed. Events are stored as opaque JSON.
 */
export interface EventLog {
  /** Appends `events` in order and returns the `seq` of the last one (the current last `seq` when `events` is empty, 0 for an empty log). */
  append(executionId: string, events: readonly StepwiseEvent[]): Promise<number>;
  /**
   * Events in `seq` order. Damaged stored data (an entry that cannot be read back, a seq missing
   * in the middle) fails with `StoreCorruptError` naming where it is, never by skipping it; a
   * store may first return the intact events before the damage, and the read that starts at it fails.
   */
  read(executionId: string, options?: ReadEventsOptions): Promise<LoggedEvent[]>;
}

/** Checks what every event log is given, naming the field that is wrong. */
export function assertAppend(executionId: string, events: readonly StepwiseEvent[]): void {
  assertStoreKey(executionId, 'executionId');
  if (!Array.isArray(events)) throw new InvalidInputError('events must be an array', { field: 'events' });
  events.forEach((event: unknown, index) => {
    if (!isJsonObject(event) || typeof event.type !== 'string') {
      throw new InvalidInputError(`events[${index}] must be an object with a string "type"`, { field: `events[${index}].type` });
    }
  });
}

/** Resolves read options with their defaults, rejecting impossible ones. */
export function resolveReadOptions(executionId: string, options: ReadEventsOptions = {}): { after: number; limit: number } {
  assertStoreKey(executionId, 'executionId');
  const after = options.after ?? 0;
  assertSequence(after, 'after');
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY) assertSequence(limit, 'limit');
  return { after, limit };
}

/**
 * An event log in memory, for tests. Events are copied through JSON on the way in and out.
 *
 * @example
 * const log = new MemoryEventLog();
 * const last = await log.append('run-1', [event]);
 * const missed = await log.read('run-1', { after: last - 1 });
 */
export class MemoryEventLog implements EventLog {
  private readonly logs = new Map<string, LoggedEvent[]>();

  async append(executionId: string, events: readonly StepwiseEvent[]): Promise<number> {
    assertAppend(executionId, events);
    const log = this.logs.get(executionId) ?? [];
    for (const event of events) log.push({ seq: log.length + 1, event: cloneJson(event) });
    if (log.length > 0) this.logs.set(executionId, log);
    return log.length;
  }

  async read(executionId: string, options?: ReadEventsOptions): Promise<LoggedEvent[]> {
    const { after, limit } = resolveReadOptions(executionId, options);
    const log = this.logs.get(executionId) ?? [];
    return cloneJson(log.slice(after, after + Math.min(limit, log.length)));
  }
}
