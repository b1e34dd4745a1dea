import { setTimeout as sleep } from 'node:timers/promises';
import { StoreDefaults } from './constants';
import type { EventLog, LoggedEvent } from './event-log';
import { assertSequence } from './json';

/** Options of `followEvents`. */
export interface FollowOptions {
  /** Start after this `seq` (a reconnecting client's cursor). @default 0 (from the beginning) */
  readonly after?: number;
  /** Pause between two reads when nothing new arrived. @default StoreDefaults.followPollMs (500 ms) */
  readonly pollMs?: number;
  /** Following ends, without an error, when this signal aborts. */
  readonly signal?: AbortSignal;
}

/**
 * Yields every event of an execution, in order, as it is appended: reads what is there, then
 * polls for more. Ends when `signal` aborts (used by `stepwise logs --follow`).
 *
 * @example
 * const controller = new AbortController();
 * for await (const { seq, event } of followEvents(log, executionArn, { signal: controller.signal })) {
 *   console.log(seq, event.type);
 *   if (event.type === EventType.RunCompleted) controller.abort();
 * }
 */
export async function* followEvents(log: EventLog, executionId: string, options: FollowOptions = {}): AsyncGenerator<LoggedEvent, void, undefined> {
  let cursor = options.after ?? 0;
  assertSequence(cursor, 'after');
  const pollMs = options.pollMs ?? StoreDefaults.followPollMs;
  const signal = options.signal;
  while (!signal?.aborted) {
    const events = await log.read(executionId, { after: cursor });
    for (const logged of events) {
      if (signal?.aborted) return;
      cursor = logged.seq;
      yield logged;
    }
    if (events.length > 0) continue;
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

/** The same as `followEvents`. */
export const follow = followEvents;
