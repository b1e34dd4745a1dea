import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted answer of the fake server: an assistant message, an API error, or a raw body. */
export type FakeReply = FakeMessageReply | FakeErrorReply | FakeRawReply;

export interface FakeMessageReply {
  readonly content?: string | null;
  readonly toolCalls?: readonly { readonly id?: string; readonly name: string; readonly arguments: object | string }[];
  /**
   * `null` sends no usage at all; omitted, usage is estimated at ~4 characters per token. Any
   * value is sent as given (negative or non-numeric counts, to test that they are refused).
   */
  readonly usage?: { readonly prompt_tokens?: unknown; readonly completion_tokens?: unknown } | null;
  /** The `model` of the response; the requested model by default. */
  readonly model?: string;
  /** `null` sends `finish_reason: null`; omitted, `tool_calls` or `stop`. */
  readonly finishReason?: string | null;
  /** Wait this long before answering (to test aborts and timeouts). */
  readonly delayMs?: number;
  /** Send the headers, then the body one character every `dripMs` (a server that hangs mid-body). */
  readonly dripMs?: number;
  /** Cut the connection after this many characters of the body (a stream that breaks mid-way). */
  readonly breakAfterChars?: number;
  /** Characters of content (and of tool-call arguments) per streamed chunk. @default 6 */
  readonly chunkChars?: number;
  /** Streamed replies: wait this long between SSE chunks (a model writing at a steady pace). */
  readonly chunkDelayMs?: number;
  /** Send this many characters of the body, then wait for `resume` before sending the rest (a model still writing). */
  readonly pauseAfterChars?: number;
  readonly resume?: Promise<unknown>;
}

export interface FakeErrorReply {
  readonly status: number;
  readonly error?: { readonly message?: string; readonly type?: string; readonly code?: string | null };
  /** Sent as `retry-after-ms`, so a retry does not wait for a real backoff; `null` sends none. @default 0 */
  readonly retryAfterMs?: number | null;
  /** Sent as the standard `Retry-After` header (seconds or an HTTP date). */
  readonly retryAfter?: string;
  readonly delayMs?: number;
}

/** Any JSON body, sent as is (e.g. a completion without choices). */
export interface FakeRawReply {
  readonly raw: unknown;
  readonly status?: number;
  readonly delayMs?: number;
}

/** The JSON body of a chat completions request, as the server received it. */
export type ChatRequestBody = {
  model: string;
  messages: { role: string; content?: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown; strict?: boolean } }[];
  parallel_tool_calls?: boolean;
  temperature?: number;
  [key: string]: unknown;
};

/** Replies in order; a function of the request and its 0-based index; or a JSON file holding an array of replies. */
export type FakeScript =
  | readonly FakeReply[]
  | ((request: ChatRequestBody, index: number) => FakeReply | Promise<FakeReply>)
  | { readonly file: string };

export interface FakeOpenAIServer {
  /** e.g. `http://127.0.0.1:53121/v1`: pass it as `baseURL` / `OPENAI_BASE_URL`. */
  readonly baseURL: string;
  /** Every chat completions request body received, retries included, in order. */
  readonly requests: ChatRequestBody[];
  close(): Promise<void>;
}

/**
 * Starts a real HTTP server on 127.0.0.1 (random port) speaking the OpenAI chat completions API
 * and answering from `script`: one JSON completion, or, when the request says `stream: true`,
 * Server-Sent Events chunks (content and tool-call arguments split across chunks, a usage chunk
 * when `stream_options.include_usage` asks for it, then `[DONE]`) — what OpenAI sends.
 *
 * @example
 * const server = await startFakeOpenAI([{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] }, { content: '3' }]);
 * const model = openAIModel({ model: 'gpt-test', baseURL: server.baseURL, apiKey: 'test' });
 * await server.close();
 */
export async function startFakeOpenAI(script: FakeScript): Promise<FakeOpenAIServer> {
  const replies = 'file' in script ? readScriptFile(script.file) : script;
  const requests: ChatRequestBody[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake OpenAI server failed: ${(error as Error).message}`, type: 'server_error' } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST' || !/\/v1\/chat\/completions\/?$/.test(req.url ?? '')) {
      return sendJson(res, 404, { error: { message: `fake OpenAI server: no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
    }
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      return sendJson(res, 400, { error: { message: 'fake OpenAI server: the body is not JSON', type: 'invalid_request_error' } });
    }
    const index = requests.length;
    requests.push(body);
    const reply = typeof replies === 'function' ? await replies(body, index) : replies[index];
    if (!reply) {
      const count = typeof replies === 'function' ? '?' : replies.length;
      return sendJson(
        res,
        500,
        { error: { message: `fake OpenAI server: the script has no reply #${index + 1} (it has ${count}); add replies to the test's script`, type: 'server_error' } },
        { 'x-should-retry': 'false' },
      );
    }
    if (reply.delayMs) await delay(reply.delayMs, timers);
    if (res.destroyed) return;
    if ('raw' in reply) return sendJson(res, reply.status ?? 200, reply.raw);
    if ('status' in reply) {
      const error = { message: `fake error ${reply.status}`, type: 'api_error', code: null, ...reply.error };
      const headers: Record<string, string> = {};
      if (reply.retryAfterMs !== null) headers['retry-after-ms'] = String(reply.retryAfterMs ?? 0);
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      return sendJson(res, reply.status, { error }, headers);
    }
    const whole = completion(body, reply, index, raw.length);
    if (body.stream === true) {
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      return sendBody(res, 'text/event-stream', streamOf(whole, reply, includeUsage), reply, timers);
    }
    return sendBody(res, 'application/json', JSON.stringify(whole), reply, timers);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Completion = {
  id: string;
  object: string;
  model: string;
  created: number;
  choices: { index: number; logprobs: null; message: { role: string; content: string | null; refusal: null; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] }; finish_reason: string | null }[];
  usage?: unknown;
};

/** The SSE body OpenAI streams for `whole`: a role chunk, content and tool-call argument pieces, the finish reason, usage, `[DONE]`. */
function streamOf(whole: Completion, reply: FakeMessageReply, includeUsage: boolean): string {
  const size = Math.max(1, reply.chunkChars ?? 6);
  const { message, finish_reason: finishReason } = whole.choices[0];
  const chunk = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: whole.id, object: 'chat.completion.chunk', created: whole.created, model: whole.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`;
  const pieces = (text: string): string[] => (text === '' ? [''] : Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size)));
  let sse = chunk({ role: 'assistant', content: '', refusal: null });
  if (message.content) for (const piece of pieces(message.content)) sse += chunk({ content: piece });
  (message.tool_calls ?? []).forEach((call, callIndex) => {
    sse += chunk({ tool_calls: [{ index: callIndex, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
    for (const piece of pieces(call.function.arguments)) sse += chunk({ tool_calls: [{ index: callIndex, function: { arguments: piece } }] });
  });
  sse += chunk({}, finishReason);
  if (includeUsage && whole.usage !== undefined) {
    sse += `data: ${JSON.stringify({ id: whole.id, object: 'chat.completion.chunk', created: whole.created, model: whole.model, choices: [], usage: whole.usage })}\n\n`;
  }
  return `${sse}data: [DONE]\n\n`;
}

function completion(request: ChatRequestBody, reply: FakeMessageReply, index: number, requestChars: number): Completion {
  const toolCalls = (reply.toolCalls ?? []).map((call, callIndex) => ({
    id: call.id ?? `call_${index + 1}_${callIndex + 1}`,
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
  const content = reply.content ?? (toolCalls.length ? null : '');
  const promptTokens = reply.usage?.prompt_tokens ?? Math.ceil(requestChars / 4);
  const completionTokens = reply.usage?.completion_tokens ?? Math.ceil(((content ?? '').length + JSON.stringify(toolCalls).length) / 4);
  return {
    id: `chatcmpl-fake-${index + 1}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: reply.finishReason === undefined ? (toolCalls.length ? 'tool_calls' : 'stop') : reply.finishReason,
        logprobs: null,
      },
    ],
    ...(reply.usage === null
      ? {}
      : { usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: Number(promptTokens) + Number(completionTokens) } }),
  };
}

function readScriptFile(file: string): readonly FakeReply[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`fake OpenAI script ${file} must hold a JSON array of replies`);
  return parsed as FakeReply[];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Sends a 200 body whole, dripped one character at a time, or cut off after `breakAfterChars`. */
async function sendBody(res: ServerResponse, contentType: string, body: string, reply: FakeMessageReply, timers: Set<NodeJS.Timeout>): Promise<void> {
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': contentType });
  const cut = reply.breakAfterChars;
  if (reply.chunkDelayMs !== undefined && contentType === 'text/event-stream') {
    for (const event of body.split(/(?<=\n\n)/)) {
      if (res.destroyed) return;
      res.write(event);
      await delay(reply.chunkDelayMs, timers);
    }
    res.end();
    return;
  }
  if (reply.pauseAfterChars !== undefined) {
    res.write(body.slice(0, reply.pauseAfterChars));
    await reply.resume;
    if (!res.destroyed) res.end(body.slice(reply.pauseAfterChars));
    return;
  }
  if (reply.dripMs === undefined && cut === undefined) {
    res.end(body);
    return;
  }
  if (reply.dripMs === undefined) {
    res.write(body.slice(0, cut));
    // Let the bytes leave before the connection is torn down, as a server that crashes mid-answer does.
    await delay(20, timers);
    res.socket?.destroy();
    return;
  }
  const limit = cut ?? body.length;
  for (let index = 0; index < limit; index++) {
    if (res.destroyed) return;
    res.write(body[index]);
    await delay(reply.dripMs, timers);
  }
  if (cut !== undefined) res.socket?.destroy();
  else res.end();
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
