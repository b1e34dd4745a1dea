import { createServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';

/** A scripted answer of the fake Bedrock Runtime: an assistant message, or an API error. */
export type FakeBedrockReply = FakeBedrockMessage | FakeBedrockError;

export interface FakeBedrockMessage {
  readonly text?: string;
  readonly toolUses?: readonly { readonly toolUseId?: string; readonly name: string; readonly input: object }[];
  /** @default 'tool_use' with tool uses, else 'end_turn' */
  readonly stopReason?: string;
  /** `null` sends no usage; any value is sent as given. @default estimated from the text */
  readonly usage?: { readonly inputTokens?: unknown; readonly outputTokens?: unknown } | null;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** ConverseStream: send only this many events, then cut the connection (a stream that breaks off). */
  readonly breakAfterEvents?: number;
  /** ConverseStream: after this many events, send this exception event instead of the rest. */
  readonly streamException?: { readonly afterEvents: number; readonly type: string; readonly message: string };
  /** ConverseStream: wait this long between events (a stream that drips). */
  readonly dripMs?: number;
  /** Characters of text and of tool input per delta event. @default 5 */
  readonly chunkChars?: number;
}

export interface FakeBedrockError {
  readonly status: number;
  /** The error shape, e.g. `ThrottlingException`, `AccessDeniedException`, `ValidationException`. */
  readonly errorType: string;
  readonly message?: string;
  readonly delayMs?: number;
}

/** A Converse / ConverseStream request as the server received it. */
export interface BedrockRequest {
  readonly modelId: string;
  readonly stream: boolean;
  readonly body: {
    messages: { role: string; content: Record<string, any>[] }[];
    system?: { text: string }[];
    toolConfig?: { tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[] };
    inferenceConfig?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

export interface FakeBedrockServer {
  /** e.g. `http://127.0.0.1:53121`: pass it as the client's `endpoint` / `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`. */
  readonly endpoint: string;
  readonly requests: BedrockRequest[];
  close(): Promise<void>;
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

/**
 * Starts a cleartext HTTP/2 server on 127.0.0.1 (random port) speaking the Bedrock Runtime
 * Converse API the way AWS does: `POST /model/{modelId}/converse` answers JSON,
 * `POST /model/{modelId}/converse-stream` answers `application/vnd.amazon.eventstream` frames
 * (encoded with `@smithy/eventstream-codec`) — messageStart, contentBlockStart/Delta/Stop for
 * text and tool uses, messageStop with the stop reason, metadata with usage. Errors carry
 * `x-amzn-ErrorType` and `{ message }`. The real `BedrockRuntimeClient` talks to it unchanged.
 *
 * @example
 * const server = await startFakeBedrock([{ text: 'The moon causes tides.' }]);
 * const client = new BedrockRuntimeClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
 */
export async function startFakeBedrock(script: readonly FakeBedrockReply[] | ((request: BedrockRequest, index: number) => FakeBedrockReply)): Promise<FakeBedrockServer> {
  const requests: BedrockRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalServerException', `fake Bedrock server failed: ${(error as Error).message}`);
    });
  });

  async function handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const route = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !route) return sendError(res, 404, 'UnknownOperationException', `fake Bedrock server: no route ${req.method} ${req.url}`);
    const request: BedrockRequest = { modelId: decodeURIComponent(route[1]), stream: route[2] === 'converse-stream', body: JSON.parse(raw) };
    const index = requests.length;
    requests.push(request);
    const reply = typeof script === 'function' ? script(request, index) : script[index];
    if (!reply) return sendError(res, 500, 'InternalServerException', `fake Bedrock server: the script has no reply #${index + 1}; add replies to the test's script`);
    if (reply.delayMs) await delay(reply.delayMs, timers);
    if (res.destroyed) return;
    if ('errorType' in reply) return sendError(res, reply.status, reply.errorType, reply.message ?? `fake ${reply.errorType}`);
    const message = assistantMessage(reply, raw.length);
    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': `fake-${index + 1}` });
      res.end(JSON.stringify({ output: { message: { role: 'assistant', content: message.content } }, stopReason: message.stopReason, ...(message.usage ? { usage: message.usage } : {}), metrics: { latencyMs: 1 } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': `fake-${index + 1}` });
    const events = streamEvents(message, Math.max(1, reply.chunkChars ?? 5));
    for (let sent = 0; sent < events.length; sent++) {
      if (res.destroyed) return;
      if (reply.streamException && sent === reply.streamException.afterEvents) {
        res.end(frame({ ':message-type': 'exception', ':exception-type': reply.streamException.type, ':content-type': 'application/json' }, { message: reply.streamException.message }));
        return;
      }
      if (reply.breakAfterEvents !== undefined && sent === reply.breakAfterEvents) {
        await delay(20, timers);
        res.stream.close(2); // NGHTTP2_INTERNAL_ERROR: the stream is reset mid-answer
        return;
      }
      res.write(frame({ ':message-type': 'event', ':event-type': events[sent].type, ':content-type': 'application/json' }, events[sent].body));
      if (reply.dripMs) await delay(reply.dripMs, timers);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

type Block = { text: string } | { toolUse: { toolUseId: string; name: string; input: object } };

function assistantMessage(reply: FakeBedrockMessage, requestChars: number) {
  const content: Block[] = [];
  if (reply.text) content.push({ text: reply.text });
  (reply.toolUses ?? []).forEach((use, index) => content.push({ toolUse: { toolUseId: use.toolUseId ?? `tooluse_${index + 1}`, name: use.name, input: use.input } }));
  const inputTokens = reply.usage?.inputTokens ?? Math.ceil(requestChars / 4);
  const outputTokens = reply.usage?.outputTokens ?? Math.ceil(JSON.stringify(content).length / 4);
  return {
    content,
    stopReason: reply.stopReason ?? (reply.toolUses?.length ? 'tool_use' : 'end_turn'),
    usage: reply.usage === null ? undefined : { inputTokens, outputTokens, totalTokens: Number(inputTokens) + Number(outputTokens) },
  };
}

function streamEvents(message: ReturnType<typeof assistantMessage>, size: number): { type: string; body: unknown }[] {
  const pieces = (text: string) => Array.from({ length: Math.max(1, Math.ceil(text.length / size)) }, (_, i) => text.slice(i * size, (i + 1) * size));
  const events: { type: string; body: unknown }[] = [{ type: 'messageStart', body: { role: 'assistant' } }];
  message.content.forEach((block, contentBlockIndex) => {
    if ('text' in block) {
      for (const piece of pieces(block.text)) events.push({ type: 'contentBlockDelta', body: { contentBlockIndex, delta: { text: piece } } });
    } else {
      events.push({ type: 'contentBlockStart', body: { contentBlockIndex, start: { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } } } });
      for (const piece of pieces(JSON.stringify(block.toolUse.input))) events.push({ type: 'contentBlockDelta', body: { contentBlockIndex, delta: { toolUse: { input: piece } } } });
    }
    events.push({ type: 'contentBlockStop', body: { contentBlockIndex } });
  });
  events.push({ type: 'messageStop', body: { stopReason: message.stopReason } });
  events.push({ type: 'metadata', body: { ...(message.usage ? { usage: message.usage } : {}), metrics: { latencyMs: 1 } } });
  return events;
}

function frame(headers: Record<string, string>, body: unknown): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { type: 'string', value }])),
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });
}

function sendError(res: Http2ServerResponse, status: number, errorType: string, message: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
  res.end(JSON.stringify({ message }));
}

function readBody(req: Http2ServerRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
