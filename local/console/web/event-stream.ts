/**
 * Follows an execution's progress events (`GET /executions/{arn}/events`, Server-Sent Events).
 * It reads the stream with `fetch` rather than `EventSource`, so it sees every event type —
 * including ones added after this console was written — and decides itself how to reconnect:
 * after a dropped connection it asks again with `Last-Event-ID` set to the last event it
 * delivered, so nothing is missed and nothing is delivered twice.
 */

/** One progress event as the stream carries it. */
export interface StreamedEvent {
  readonly seq: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** What the follower reports. */
export interface EventStreamHandlers {
  readonly onEvent: (event: StreamedEvent) => void;
  /** The stream ended because the execution stopped (`status` is its status then). */
  readonly onEnded: (status: string) => void;
  /** Connected (again); `reconnecting` reports a dropped connection and the next attempt. */
  readonly onConnection: (state: 'connected' | 'reconnecting') => void;
  /** The engine cannot serve the events (a damaged event log): following stops, as reconnecting would fail the same way. */
  readonly onFailed: (message: string) => void;
}

const RETRY_MS = [500, 1_000, 2_000, 4_000];

/**
 * Follows the stream from `after` until the execution ends or `stop` is called.
 *
 * @example
 * const follow = followEvents(executionArn, lastSeq, { onEvent, onEnded, onConnection, onFailed });
 * follow.stop();
 */
export function followEvents(executionArn: string, after: number, handlers: EventStreamHandlers): { stop: () => void; lastSeq: () => number } {
  const controller = new AbortController();
  let lastSeq = after;
  let failures = 0;

  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const ended = await readOnce();
        if (ended) return;
        failures = 0;
      } catch {
        if (controller.signal.aborted) return;
        failures += 1;
      }
      handlers.onConnection('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]));
    }
  };

  /** Reads one connection; true when the execution ended. */
  const readOnce = async (): Promise<boolean> => {
    const response = await fetch(`/executions/${encodeURIComponent(executionArn)}/events`, {
      headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(lastSeq) },
      cache: 'no-store',
      credentials: 'omit',
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    handlers.onConnection('connected');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        if (deliver(block)) {
          await reader.cancel().catch(() => undefined);
          return true;
        }
      }
    }
  };

  /** Handles one SSE block; true when the stream is over (the execution ended, or its log cannot be read). */
  const deliver = (block: string): boolean => {
    let id: number | undefined;
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = Number(value);
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return false;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data.join('\n')) as Record<string, unknown>;
    } catch {
      return false;
    }
    if (type === 'execution.ended') {
      handlers.onEnded(String(parsed.status ?? ''));
      return true;
    }
    if (type === 'error') {
      if (parsed.retryable !== false) throw new Error(String(parsed.message ?? 'the event stream failed'));
      handlers.onFailed(String(parsed.message ?? 'the event stream failed'));
      return true;
    }
    if (id === undefined || !Number.isInteger(id) || id <= lastSeq) return false;
    lastSeq = id;
    handlers.onEvent({ seq: id, type, data: parsed });
    return false;
  };

  void run();
  return { stop: () => controller.abort(), lastSeq: () => lastSeq };
}
