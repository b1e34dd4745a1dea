import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted answer of the fake server: an assistant message, an API error, or a raw body. */
export type FakeReply = FakeMessageReply | FakeErrorReply | FakeRawReply;

export interface FakeMessageReply {
  readonly content?: string | null;
  readonly toolCalls?: readonly { readonly id?: string; readonly name: string; readonly arguments: object | string }[];
  /** `null` sends no usage at all; omitted, usage is estimated at ~4 characters per token. */
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number } | null;
  /** The `model` of the response; the requested model by default. */
  readonly model?: string;
  readonly finishReason?: string;
  /** Wait this long before answering (to test aborts and timeouts). */
  readonly delayMs?: number;
}

export interface FakeErrorReply {
  readonly status: number;
  readonly error?: { readonly message?: string; readonly type?: string; readonly code?: string | null };
  /** Sent as `retry-after-ms` so the SDK retries without its real backoff. @default 0 */
  readonly retryAfterMs?: number;
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
 * (non-streaming) and answering from `script`.
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
      return sendJson(res, reply.status, { error }, { 'retry-after-ms': String(reply.retryAfterMs ?? 0) });
    }
    return sendJson(res, 200, completion(body, reply, index, raw.length));
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

function completion(request: ChatRequestBody, reply: FakeMessageReply, index: number, requestChars: number): unknown {
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
        finish_reason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
        logprobs: null,
      },
    ],
    ...(reply.usage === null
      ? {}
      : { usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } }),
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

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
