import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLog } from '../../framework/stores';
import { ExecutionStatus, LocalDefaults } from '../constants';
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

function cursorOf(request: IncomingMessage, url: URL): number {
  const raw = request.headers['last-event-id'] ?? url.searchParams.get('after') ?? '0';
  const cursor = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isInteger(cursor) && cursor >= 0 ? cursor : 0;
}

/**
 * `GET /executions/{executionArn}/events`: the execution's events as Server-Sent Events, `id:` being
 * the event's `seq`. A client resumes with `Last-Event-ID` (or `?after=<seq>`) and misses nothing.
 * The stream ends once the execution has stopped and every event was sent, or, with
 * `?follow=false`, as soon as the events logged so far were sent.
 */
export function executionEventsHandler(options: ExecutionEventsOptions) {
  const pollMs = options.pollMs ?? 200;
  const keepaliveMs = (options.keepaliveSeconds ?? LocalDefaults.sseKeepaliveSeconds) * 1000;
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
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    response.write(': stepwise execution events\n\n');
    let cursor = cursorOf(request, url);
    const follow = url.searchParams.get('follow') !== 'false';
    let lastWrite = Date.now();
    while (!closed.signal.aborted) {
      const stopped = tracked.execution.status !== ExecutionStatus.Running;
      const logged = await options.events.read(executionArn, { after: cursor });
      for (const { seq, event } of logged) {
        response.write(`id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        cursor = seq;
        lastWrite = Date.now();
      }
      // The status was read before the log: an execution that had stopped then has logged everything it will.
      if ((stopped || !follow) && logged.length === 0) {
        response.write(`event: execution.ended\ndata: ${JSON.stringify({ executionArn, status: tracked.execution.status })}\n\n`);
        break;
      }
      if (logged.length > 0) continue;
      if (Date.now() - lastWrite >= keepaliveMs) {
        response.write(': keepalive\n\n');
        lastWrite = Date.now();
      }
      await sleep(pollMs, undefined, { signal: closed.signal }).catch(() => undefined);
    }
    response.end();
  };
}
