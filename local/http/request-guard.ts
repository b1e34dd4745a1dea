import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasBody, sendJson } from './http-io';

/**
 * Who may reach the engine. It listens on loopback only, but every web page the developer visits
 * can still send requests to 127.0.0.1: "simple" cross-site POSTs (`text/plain`, form types, a
 * body without a type) need no CORS preflight, so the browser sends them whatever the engine
 * answers. This module decides, before a body is read, whether a request may go on.
 */

/** The header in which the console's pages send the per-engine secret. */
export const CONSOLE_SECRET_HEADER = 'x-stepwise-console-secret';

/** Content types of the engine's APIs; `null` stands for a request without a `Content-Type` header. */
export const ApiContentType = {
  /** The AWS JSON 1.0 protocol of the Step Functions API, as the AWS SDK and the AWS CLI send it. */
  AmzJson10: 'application/x-amz-json-1.0',
  Json: 'application/json',
  /** What the AWS SDK for JavaScript v3 sends with a Lambda `Invoke` payload. */
  OctetStream: 'application/octet-stream',
} as const;

/** How a route is protected. */
export interface RoutePolicy {
  /**
   * Whether a browser may reach the route from another site: only the console's page, and only as
   * a top-level navigation (a link to it): the browser then shows the page, and the other site
   * reads nothing of it. Fetches, frames and embeds from other sites are refused.
   * @default false
   */
  readonly allowCrossSiteNavigation?: boolean;
  /**
   * The content types the route accepts (parameters such as `charset` aside); `null` accepts a
   * request without one. @default any (routes without a body)
   */
  readonly contentTypes?: readonly (string | null)[];
  /**
   * When the console secret is required: from browsers only (the AWS APIs, which SDKs and the CLI
   * call without it), always (the console's own API), or never (reads and pages).
   * @default 'never'
   */
  readonly secret?: 'never' | 'from-browsers' | 'always';
}

/** The policies of the engine's routes. */
export const RoutePolicies = {
  /** The console's page. */
  page: { allowCrossSiteNavigation: true },
  /** Reads: progress, approvals, health, the console's files. Never from another site. */
  read: {},
  /** The Step Functions API (`POST /`, AWS JSON 1.0). */
  stepFunctions: { contentTypes: [ApiContentType.AmzJson10], secret: 'from-browsers' },
  /** The Lambda Invoke API: the SDK sends octet-stream, the AWS CLI no Content-Type at all. */
  lambdaInvoke: { contentTypes: [ApiContentType.Json, ApiContentType.OctetStream, null], secret: 'from-browsers' },
  /** Uploads of values too long to send inline (`POST /payloads`), by the CLI and other programs. */
  payloadUpload: { contentTypes: [ApiContentType.Json], secret: 'from-browsers' },
  /** Reads of the console's own API, called only by its pages. */
  consoleRead: { secret: 'always' },
  /** Changes through the console's own JSON API (deciding an approval). */
  consoleWrite: { contentTypes: [ApiContentType.Json], secret: 'always' },
} as const satisfies Record<string, RoutePolicy>;

/** Why a request was refused, with the AWS-style error code clients map to an exception. */
export interface Refusal {
  readonly status: 403 | 415;
  readonly code: 'AccessDeniedException' | 'UnsupportedMediaTypeException';
  readonly message: string;
}

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The origins the engine answers for: its own address under both loopback names. */
export function engineOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * Refuses a request addressed to another host name. Loopback alone is not enough for a server that
 * hands out task tokens: a page could reach it through a DNS name rebound to 127.0.0.1, and such
 * requests carry that name in `Host`.
 */
export function checkHost(request: IncomingMessage, port: number): Refusal | undefined {
  const host = request.headers.host;
  if (host === undefined || engineOrigins(port).some((origin) => origin === `http://${host}`)) return undefined;
  return {
    status: 403,
    code: 'AccessDeniedException',
    message: `The local engine answers only requests addressed to 127.0.0.1:${port} or localhost:${port}, not "${host}"`,
  };
}

/**
 * Whether the request comes from a browser: browsers send `Origin` with every cross-origin request
 * and every POST, and `Sec-Fetch-Site` with every request. Programs (the AWS SDK, the AWS CLI,
 * Node's fetch, curl) send neither.
 */
export function isFromBrowser(request: IncomingMessage): boolean {
  return header(request, 'origin') !== undefined || header(request, 'sec-fetch-site') !== undefined;
}

/** A GET that opens a page in a tab (a link, the address bar), as opposed to a fetch, a frame or an embed. */
function isTopLevelNavigation(request: IncomingMessage): boolean {
  return request.method === 'GET' && header(request, 'sec-fetch-mode') === 'navigate' && header(request, 'sec-fetch-dest') === 'document';
}

function crossSite(request: IncomingMessage, port: number): Refusal | undefined {
  const origin = header(request, 'origin');
  const own = engineOrigins(port);
  if (origin !== undefined && !own.includes(origin)) {
    return {
      status: 403,
      code: 'AccessDeniedException',
      message:
        `The local engine refuses cross-site requests: this one comes from a page of ${origin === 'null' ? 'an opaque origin ("null")' : origin}, ` +
        `not from ${own[0]}. Use the console at ${own[0]}/, the stepwise CLI or an AWS SDK.`,
    };
  }
  // `same-site` is a page on another port of the same host: another origin, so refused too. `none`
  // is the user's own action (typing the address), which only ever navigates.
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return {
      status: 403,
      code: 'AccessDeniedException',
      message: `The local engine refuses cross-site requests (Sec-Fetch-Site: ${site}): only its own pages at ${own[0]}/ may call it from a browser.`,
    };
  }
  return undefined;
}

const mediaType = (value: string | undefined): string | null => (value === undefined ? null : value.split(';')[0].trim().toLowerCase());

function contentType(request: IncomingMessage, accepted: readonly (string | null)[]): Refusal | undefined {
  const type = mediaType(header(request, 'content-type'));
  if (accepted.includes(type)) return undefined;
  const named = accepted.filter((each): each is string => each !== null);
  return {
    status: 415,
    code: 'UnsupportedMediaTypeException',
    message: `${type === null ? 'A request without a Content-Type' : `Content-Type ${type}`} is not accepted here; send ${named.join(' or ')}${accepted.includes(null) ? ' (or no Content-Type)' : ''}.`,
  };
}

function secretMatches(request: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(header(request, CONSOLE_SECRET_HEADER) ?? '');
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Decides whether a request may reach its route: refused when it comes from another site, when its
 * content type is one a browser could send without asking (a "simple" request), or when a browser
 * (or, on the console's API, anyone) does not show the per-engine console secret.
 *
 * @example
 * const refusal = guardRequest(request, RoutePolicies.lambdaInvoke, { port, secret });
 * if (refusal) return sendRefusal(response, refusal);
 */
export function guardRequest(request: IncomingMessage, policy: RoutePolicy, engine: { readonly port: number; readonly secret: string }): Refusal | undefined {
  const host = checkHost(request, engine.port);
  if (host) return host;
  if (!(policy.allowCrossSiteNavigation && isTopLevelNavigation(request))) {
    const refusal = crossSite(request, engine.port);
    if (refusal) return refusal;
  }
  if (policy.contentTypes) {
    const refusal = contentType(request, policy.contentTypes);
    if (refusal) return refusal;
  }
  const secret = policy.secret ?? 'never';
  if (secret === 'always' || (secret === 'from-browsers' && isFromBrowser(request))) {
    if (!secretMatches(request, engine.secret)) {
      return {
        status: 403,
        code: 'AccessDeniedException',
        message: `A request from a browser needs the console secret (header ${CONSOLE_SECRET_HEADER}), which the engine's console pages carry. Reload the console at ${engineOrigins(engine.port)[0]}/ (the secret changes when the engine restarts).`,
      };
    }
  }
  return undefined;
}

/**
 * Answers a refused request without reading its body, in a shape every client understands: the
 * AWS SDKs read the code from `x-amzn-ErrorType` (JSON 1.0 also from `__type`), people the message.
 */
export function sendRefusal(request: IncomingMessage, response: ServerResponse, refusal: Refusal): void {
  // A refused request's body is never read: the connection closes after the answer.
  sendJson(response, refusal.status, { __type: refusal.code, message: refusal.message }, { 'x-amzn-ErrorType': refusal.code, ...(hasBody(request) ? { Connection: 'close' } : {}) });
}
