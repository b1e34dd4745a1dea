import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestBodyLimits } from '../constants';
import { INVOKE_PATH } from '../lambda-api/invoke-handler';
import { PAYLOAD_PATH, PAYLOADS_PATH } from '../payloads/payload-api';
import { hasBody, sendJson, sendTooLarge } from './http-io';
import type { ConsoleRoutes } from '../console/console-routes';
import { guardRequest, RoutePolicies, sendRefusal, type RoutePolicy } from './request-guard';

/** The handlers behind the engine's one HTTP port. */
export interface EngineRoutes {
  readonly sfn: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  readonly lambdaInvoke: (request: IncomingMessage, response: ServerResponse, functionName: string) => Promise<void>;
  readonly executionEvents: (request: IncomingMessage, response: ServerResponse, executionArn: string, url: URL) => Promise<void>;
  readonly health: () => unknown;
  /** Lambda `ListFunctions`: the functions the engine serves. */
  readonly listFunctions: () => unknown;
  /** Pending approvals with their task tokens (the engine listens on loopback only). */
  readonly approvals: (url: URL) => Promise<unknown>;
  /** The web console: its page, files and JSON API. */
  readonly console: ConsoleRoutes;
  /** Stores an uploaded value and answers its reference. */
  readonly payloadUpload: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Answers the value behind a reference. */
  readonly payloadRead: (request: IncomingMessage, response: ServerResponse, encodedRef: string) => Promise<void>;
}

/** Lambda `ListFunctions`: `GET /2015-03-31/functions/`. */
const LIST_FUNCTIONS_PATH = /^\/2015-03-31\/functions\/?$/;
const EVENTS_PATH = /^\/executions\/([^/]+)\/events\/?$/;
const CONSOLE_ASSET_PATH = /^\/console\/assets\/([^/]+)$/;
const CONSOLE_READ_PATH = /^\/console\/api\/([a-z]+)$/;
const CONSOLE_DECISION_PATH = /^\/console\/api\/approvals\/([^/]+)\/decision$/;

/** Why a path cannot be decoded (a `%` not followed by two hex digits, or bytes that are not UTF-8), or undefined when it can. */
function brokenEncoding(pathname: string): string | undefined {
  try {
    decodeURIComponent(pathname);
    return undefined;
  } catch {
    const sequence = /%(?![0-9a-f]{2})|(?:%[0-9a-f]{2})+/i.exec(pathname)?.[0] ?? '%';
    return `The request path ${JSON.stringify(pathname.slice(0, 200))} has broken %-encoding (near "${sequence}"): encode each path segment with encodeURIComponent.`;
  }
}

/**
 * Routes by method and path: Step Functions on `POST /`, Lambda Invoke, payload uploads and reads,
 * SSE progress, approvals, health and the console. Every route is guarded (see `request-guard.ts`)
 * and reads at most its `RequestBodyLimits`.
 */
export function createEngineServer(routes: EngineRoutes, log: (line: string) => void, options: { readonly secret: string }): Server {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const engine = { port: request.socket.localPort ?? 0, secret: options.secret };
    // Every route is guarded before its body is read: another host name, another site, a content
    // type a browser sends without asking, or a browser without the console secret is refused.
    const guarded = (policy: RoutePolicy, serve: () => unknown): unknown => {
      const refusal = guardRequest(request, policy, engine);
      if (refusal) {
        // Said on the engine's console too: a refused browser request is otherwise silent to the developer.
        log(`Refused ${request.method} ${url.pathname}: ${refusal.message}`);
        return sendRefusal(request, response, refusal);
      }
      return serve();
    };
    const handle = async () => {
      // Checked once for every route, so no route decodes a segment that cannot be decoded.
      const encodingProblem = brokenEncoding(url.pathname);
      if (encodingProblem) {
        return guarded(RoutePolicies.read, () => {
          request.resume();
          const code = 'ValidationException';
          sendJson(response, 400, { __type: code, message: encodingProblem }, { 'x-amzn-ErrorType': code, ...(hasBody(request) ? { Connection: 'close' } : {}) });
        });
      }
      if (request.method === 'POST' && (url.pathname === '/' || url.pathname === '')) return guarded(RoutePolicies.stepFunctions, () => routes.sfn(request, response));
      const invoke = INVOKE_PATH.exec(url.pathname);
      if (request.method === 'POST' && invoke) return guarded(RoutePolicies.lambdaInvoke, () => routes.lambdaInvoke(request, response, invoke[1]));
      if (request.method === 'POST' && PAYLOADS_PATH.test(url.pathname)) return guarded(RoutePolicies.payloadUpload, () => routes.payloadUpload(request, response));
      const decision = CONSOLE_DECISION_PATH.exec(url.pathname);
      if (request.method === 'POST' && decision) return guarded(RoutePolicies.consoleWrite, () => routes.console.decide(request, response, decodeURIComponent(decision[1])));
      const payload = PAYLOAD_PATH.exec(url.pathname);
      const events = EVENTS_PATH.exec(url.pathname);
      const asset = CONSOLE_ASSET_PATH.exec(url.pathname);
      const read = CONSOLE_READ_PATH.exec(url.pathname);
      const readOnly: { policy: RoutePolicy; serve: () => unknown } | undefined =
        request.method !== 'GET'
          ? undefined
          : payload
            ? { policy: RoutePolicies.read, serve: () => routes.payloadRead(request, response, payload[1]) }
            : events
              ? { policy: RoutePolicies.read, serve: () => routes.executionEvents(request, response, decodeURIComponent(events[1]), url) }
              : url.pathname === '/health'
                ? { policy: RoutePolicies.read, serve: () => sendJson(response, 200, routes.health()) }
                : LIST_FUNCTIONS_PATH.test(url.pathname)
                ? { policy: RoutePolicies.read, serve: () => sendJson(response, 200, routes.listFunctions()) }
                : url.pathname === '/approvals'
                  ? { policy: RoutePolicies.read, serve: async () => sendJson(response, 200, await routes.approvals(url)) }
                  : url.pathname === '/' || url.pathname === '/index.html'
                    ? { policy: RoutePolicies.page, serve: () => routes.console.page(response) }
                    : asset
                      ? { policy: RoutePolicies.read, serve: () => routes.console.asset(response, decodeURIComponent(asset[1])) }
                      : read
                        ? { policy: RoutePolicies.consoleRead, serve: () => routes.console.read(response, read[1]) }
                        : undefined;
      return guarded(readOnly?.policy ?? RoutePolicies.read, () => {
        // Neither a route without a body nor an unknown one reads what a client sends anyway: it is
        // refused and the connection closed, so a huge body is never read, let alone held.
        if (readOnly && hasBody(request)) return sendTooLarge(response, { message: `${request.method} ${url.pathname} takes no request body (at most ${RequestBodyLimits.noBodyBytes} bytes)` });
        if (readOnly) return readOnly.serve();
        sendJson(response, 404, { message: `No route for ${request.method} ${url.pathname}` }, hasBody(request) ? { Connection: 'close' } : {});
      });
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
