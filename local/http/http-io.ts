import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body was larger than the route reads. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number, readonly declaredBytes?: number) {
    super(`The request body is larger than the ${limitBytes} bytes this route accepts${declaredBytes !== undefined ? ` (Content-Length: ${declaredBytes})` : ''}`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a request body of at most `maxBytes`: a larger declared Content-Length is refused before
 * anything is read, and a body that streams past the limit is refused as soon as it does. Either
 * way the connection is closed after the answer, so the rest is never read.
 */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes, declared);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    received += (chunk as Buffer).length;
    if (received > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Whether a request declares a body (which a no-body route refuses rather than drains). */
export function hasBody(request: IncomingMessage): boolean {
  const declared = Number(request.headers['content-length'] ?? '0');
  return (Number.isFinite(declared) && declared > 0) || request.headers['transfer-encoding'] !== undefined;
}

/** Answers 413 and closes the connection, so the client stops sending and nothing more is read. */
export function sendTooLarge(response: ServerResponse, body: unknown, headers: Record<string, string> = {}, contentType?: string): void {
  sendJson(response, 413, body, { Connection: 'close', ...headers }, contentType);
}

/** Sends a JSON body with the given status and content type. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  const payload = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(payload.length), ...headers });
  response.end(payload);
}
