import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventStreamProtocol, cursorFrom, streamExecutionEvents, type EventLog } from '../../framework/stores';
import { LocalDefaults } from '../constants';
import type { LocalApiError } from '../errors';
import type { ExecutionManager } from '../executions/execution-manager';
import { sendJson } from '../http/http-io';

/** Options of `executionEventsHandler`. */
export interface ExecutionEventsOptions {
  readonly manager: ExecutionManager;
  readonly events: EventLog;
  /** Pause between two reads of the log when nothing new arrived. @default 200 */
  readonly pollMs?: number;
  /** @default LocalDefaults.sseKeepaliveSeconds */
  readonly keepaliveSeconds?: number;
}

/**
 * `GET /executions/{executionArn}/events`: the execution's events as Server-Sent Events, `id:` being
 * the event's `seq`. A client resumes with `Last-Event-ID` (or `?after=<seq>`) and misses nothing.
 * The stream ends once the execution has stopped and every event was sent, or, with
 * `?follow=false`, as soon as the events logged so far were sent. The deployed stack serves the
 * same protocol (`EventStreamProtocol`) from a Lambda function URL.
 */
export function executionEventsHandler(options: ExecutionEventsOptions) {
  return async (request: IncomingMessage, response: ServerResponse, executionArn: string, url: URL): Promise<void> => {
    let tracked;
    try {
      tracked = options.manager.get(executionArn);
    } catch (error) {
      sendJson(response, 404, { __type: (error as LocalApiError).code, message: (error as Error).message });
      return;
    }
    const closed = new AbortController();
    request.on('close', () => closed.abort());
    response.writeHead(200, { 'Content-Type': EventStreamProtocol.contentType, 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    response.write(': stepwise execution events\n\n');
    const lastEventId = request.headers[EventStreamProtocol.lastEventIdHeader];
    await streamExecutionEvents({
      events: options.events,
      executionArn,
      after: cursorFrom(Array.isArray(lastEventId) ? lastEventId[0] : lastEventId, url.searchParams.get(EventStreamProtocol.afterParameter)),
      follow: url.searchParams.get(EventStreamProtocol.followParameter) !== 'false',
      status: () => tracked.execution.status,
      write: (chunk) => void response.write(chunk),
      signal: closed.signal,
      pollMs: options.pollMs ?? 200,
      keepaliveMs: (options.keepaliveSeconds ?? LocalDefaults.sseKeepaliveSeconds) * 1000,
    });
    response.end();
  };
}
