import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a request body completely. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Whether a request declares a body (by `Content-Length` or `Transfer-Encoding`). */
export function hasBody(request: IncomingMessage): boolean {
  const declared = Number(request.headers['content-length'] ?? '0');
  return (Number.isFinite(declared) && declared > 0) || request.headers['transfer-encoding'] !== undefined;
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
