import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestBodyLimits } from '../constants';
import { INVOKE_PATH } from '../lambda-api/invoke-handler';
import { PAYLOAD_PATH, PAYLOADS_PATH } from '../payloads/payload-api';
import { hasBody, sendJson, sendTooLarge } from './http-io';

/** The handlers behind the engine's one HTTP port. */
export interface EngineRoutes {
  readonly sfn: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  readonly lambdaInvoke: (request: IncomingMessage, response: ServerResponse, functionName: string) => Promise<void>;
  readonly executionEvents: (request: IncomingMessage, response: ServerResponse, executionArn: string, url: URL) => Promise<void>;
  readonly health: () => unknown;
  /** Pending approvals with their task tokens (the engine listens on loopback only). */
  readonly approvals: (url: URL) => Promise<unknown>;
  /** Stores an uploaded value and answers its reference. */
  readonly payloadUpload: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Answers the value behind a reference. */
  readonly payloadRead: (request: IncomingMessage, response: ServerResponse, encodedRef: string) => Promise<void>;
}

const EVENTS_PATH = /^\/executions\/([^/]+)\/events\/?$/;

/**
 * Routes by method and path: Step Functions on `POST /`, Lambda Invoke, payload uploads, SSE
 * progress, approvals, payloads and health. Every route reads at most its `RequestBodyLimits`.
 */
export function createEngineServer(routes: EngineRoutes, log: (line: string) => void): Server {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Loopback only is not enough for a server that hands out task tokens: a web page the user
    // visits could reach it through a DNS name rebound to 127.0.0.1. Such requests carry that name.
    const port = request.socket.localPort;
    const host = request.headers.host;
    if (host !== undefined && host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      request.resume();
      sendJson(response, 403, { message: `The local engine answers only requests addressed to 127.0.0.1:${port} or localhost:${port}, not "${host}"` });
      return;
    }
    const handle = async () => {
      if (request.method === 'POST' && (url.pathname === '/' || url.pathname === '')) return routes.sfn(request, response);
      const invoke = INVOKE_PATH.exec(url.pathname);
      if (request.method === 'POST' && invoke) return routes.lambdaInvoke(request, response, invoke[1]);
      if (request.method === 'POST' && PAYLOADS_PATH.test(url.pathname)) return routes.payloadUpload(request, response);
      const payload = PAYLOAD_PATH.exec(url.pathname);
      const events = EVENTS_PATH.exec(url.pathname);
      const readOnly: (() => Promise<void> | void) | undefined =
        request.method !== 'GET'
          ? undefined
          : payload
            ? () => routes.payloadRead(request, response, payload[1])
            : events
              ? () => routes.executionEvents(request, response, decodeURIComponent(events[1]), url)
              : url.pathname === '/health'
                ? () => sendJson(response, 200, routes.health())
                : url.pathname === '/approvals'
                  ? async () => sendJson(response, 200, await routes.approvals(url))
                  : undefined;
      // Neither a route without a body nor an unknown one reads what a client sends anyway: it is
      // refused and the connection closed, so a huge body is never read, let alone held.
      if (readOnly && hasBody(request)) return sendTooLarge(response, { message: `${request.method} ${url.pathname} takes no request body (at most ${RequestBodyLimits.noBodyBytes} bytes)` });
      if (readOnly) return readOnly();
      sendJson(response, 404, { message: `No route for ${request.method} ${url.pathname}` }, hasBody(request) ? { Connection: 'close' } : {});
    };
    handle().catch((error: unknown) => {
      log(`HTTP handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: 'The local engine failed; see its log' });
      else response.end();
    });
  });
  // Longer than the SDK keeps idle sockets: a request reusing a socket the server just closed
  // fails with ECONNRESET, which the default 5 s keep-alive made an occasional flake under load.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Listens on the given host and port (0 picks a free one) and resolves with the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
