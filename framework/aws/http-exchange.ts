import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';

/** One HTTP request, whole. */
export interface HttpExchangeRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
  /** A keep-alive agent of the URL's protocol. @default Node's global agent */
  readonly agent?: HttpAgent;
}

/** What came back: the status, the headers and the whole body. */
export interface HttpExchangeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The error a request ends with when its signal aborts it, named as the AWS SDK names it. */
export class RequestAbortedError extends Error {
  override readonly name = 'AbortError';
}

/** `node:http` for http URLs; `node:https` (and TLS) loaded only for an https URL. */
export function transportOf(url: URL): Pick<typeof import('node:http'), 'request' | 'Agent'> {
  return url.protocol === 'https:' ? (require('node:https') as typeof import('node:https')) : (require('node:http') as typeof import('node:http'));
}

/**
 * Sends one request with Node's own HTTP client and reads the whole answer. Transport failures keep
 * Node's error (its `code`: ECONNRESET, ECONNREFUSED, …), so callers can tell a request that may
 * have arrived from one that was refused.
 *
 * @throws RequestAbortedError when `signal` aborts it; Node's error when the connection fails.
 */
export function httpExchange(url: URL, request: HttpExchangeRequest): Promise<HttpExchangeResponse> {
  return new Promise((resolve, reject) => {
    if (request.signal?.aborted) {
      reject(new RequestAbortedError('The request was aborted before it was sent', { cause: request.signal.reason }));
      return;
    }
    const outgoing = transportOf(url).request(url, {
      method: request.method,
      headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      ...(request.agent ? { agent: request.agent } : {}),
    });
    const onAbort = (): void => {
      outgoing.destroy(new RequestAbortedError('The request was aborted', { cause: request.signal?.reason }));
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    // TCP keep-alive probes after a second of quiet, as the AWS SDK sets them: a NAT gateway drops a
    // connection idle for 350 s, and a long Lambda invocation would otherwise wait on it unawares.
    outgoing.once('socket', (socket) => socket.setKeepAlive(true, 1_000));
    const settle = (): void => request.signal?.removeEventListener('abort', onAbort);
    outgoing.once('error', (error) => {
      settle();
      reject(error);
    });
    outgoing.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', (error) => {
        settle();
        reject(error);
      });
      response.once('end', () => {
        settle();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
      // A connection that closes before the answer's end (the peer died, or the signal aborted it).
      response.once('close', () => {
        if (response.complete) return;
        settle();
        reject(
          request.signal?.aborted
            ? new RequestAbortedError('The request was aborted', { cause: request.signal.reason })
            : Object.assign(new Error('The connection closed before the whole answer arrived'), { code: 'ECONNRESET' }),
        );
      });
    });
    outgoing.end(request.body);
  });
}
