/**
 * The OpenAI chat completions wire format: the request for a `ModelRequest`, and the
 * `ModelResponse` read from a whole completion or assembled from streamed chunks — the two give
 * the same text, tool calls and usage.
 */
import { APIConnectionError, APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { ToolCallingMode } from '../constants';
import { StopReason, type Message, type ModelRequest, type ModelResponse, type ModelToolCall, type Usage } from '../model';
import { attemptsNote, retryAfterFrom, type AttemptFailure } from './attempts';
import { formatObservation } from './text-protocol';

/** What the request needs from the model's options. */
export interface ChatRequestOptions {
  readonly model: string;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  readonly stream: boolean;
}

/** The chat completions body for a request: native tools with parallel calls, or the text protocol (no tools sent). */
export function toChatRequest(options: ChatRequestOptions, request: ModelRequest): ChatCompletionCreateParamsNonStreaming | ChatCompletionCreateParamsStreaming {
  const native = request.toolCalling === ToolCallingMode.Native;
  const messages: ChatCompletionMessageParam[] = request.instructions.trim() ? [{ role: 'system', content: request.instructions }] : [];
  for (const message of request.messages) messages.push(native ? toNativeMessage(message) : toTextMessage(message));
  const body: ChatCompletionCreateParamsNonStreaming = { model: options.model, messages };
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.maxOutputTokens !== undefined) body.max_completion_tokens = options.maxOutputTokens;
  if (native && request.tools.length > 0) {
    body.tools = request.tools.map(
      (tool): ChatCompletionTool => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters, strict: true } }),
    );
    body.parallel_tool_calls = true;
  }
  // Usage arrives in a last chunk only when asked for; budgets need it.
  return options.stream ? { ...body, stream: true, stream_options: { include_usage: true } } : body;
}

function toNativeMessage(message: Message): ChatCompletionMessageParam {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  if (message.role === 'user') return { role: 'user', content: message.content };
  if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
  return {
    role: 'assistant',
    // OpenAI's canonical form for a reply that only calls tools is `content: null`.
    content: message.content === '' ? null : message.content,
    tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
  };
}

/** Text mode sends no tools, so the endpoint must not see tool roles or tool_calls either. */
function toTextMessage(message: Message): ChatCompletionMessageParam {
  if (message.role === 'tool') return { role: 'user', content: formatObservation(message.content) };
  return { role: message.role, content: message.content };
}

/** The neutral stop reason of an OpenAI `finish_reason`. */
function stopReasonOf(finishReason: unknown): StopReason | undefined {
  switch (finishReason) {
    case 'stop':
      return StopReason.EndTurn;
    case 'tool_calls':
    case 'function_call':
      return StopReason.ToolCalls;
    case 'length':
      return StopReason.MaxTokens;
    case 'content_filter':
      return StopReason.ContentFilter;
    default:
      return undefined;
  }
}

/** Usage as the endpoint sent it; the runner validates the numbers (negative or non-numeric counts are refused there). */
function usageOf(usage: unknown): Usage {
  const raw = (usage ?? {}) as { prompt_tokens?: unknown; completion_tokens?: unknown };
  return { inputTokens: (raw.prompt_tokens ?? 0) as number, outputTokens: (raw.completion_tokens ?? 0) as number };
}

/** Some compatible servers send arguments as an object rather than JSON text. */
const argumentsText = (args: unknown): string => (typeof args === 'string' ? args : JSON.stringify(args ?? {}));

/** Thrown for a body that is not what the API promises; not worth retrying. */
export class MalformedResponseError extends Error {}

/** An answer that ended (or broke) before the model finished: a stream cut off, a body cut short. Worth retrying. */
export class BrokenStreamError extends Error {
  constructor(
    message: string,
    readonly streamed: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Errors thrown by fetch/undici for a dropped connection; compared by name because they come from another realm under test runners. */
const CONNECTION_ERROR_NAMES = new Set(['TypeError', 'SocketError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError']);

/** Whether `error` is a dropped or refused connection (not a bad answer). */
export function isConnectionFailure(error: unknown): boolean {
  return error instanceof APIConnectionError || CONNECTION_ERROR_NAMES.has((error as { name?: string })?.name ?? '');
}

/** The response in a whole (non-streamed) chat completion body. */
export function fromChatCompletion(fallbackModel: string, endpoint: string, completion: unknown): ModelResponse {
  const body = completion as { model?: unknown; usage?: unknown; choices?: { message?: { content?: unknown; tool_calls?: unknown[] }; finish_reason?: unknown }[] } | null;
  const choice = body?.choices?.[0];
  if (!choice?.message) {
    throw new MalformedResponseError(`${endpoint} answered without any choices; check that the endpoint speaks the OpenAI chat completions API`);
  }
  const toolCalls: ModelToolCall[] = [];
  for (const raw of choice.message.tool_calls ?? []) {
    const call = raw as { id?: string; type?: string; function?: { name?: string; arguments?: unknown } };
    if (call.type !== 'function' && call.type !== undefined) continue;
    toolCalls.push({ id: call.id ?? '', name: call.function?.name ?? '', arguments: argumentsText(call.function?.arguments) });
  }
  return {
    text: typeof choice.message.content === 'string' ? choice.message.content : '',
    toolCalls,
    usage: usageOf(body?.usage),
    model: typeof body?.model === 'string' && body.model ? body.model : fallbackModel,
    stopReason: stopReasonOf(choice.finish_reason),
  };
}

type ChunkToolCall = { index?: number; id?: string; type?: string; function?: { name?: string; arguments?: unknown } };
type Chunk = {
  model?: unknown;
  usage?: unknown;
  error?: { message?: unknown };
  choices?: { delta?: { content?: unknown; tool_calls?: ChunkToolCall[] }; finish_reason?: unknown }[];
};

/**
 * Assembles a `ModelResponse` from streamed chat completion chunks exactly as a whole completion
 * would give it: text joined, each tool call's pieces joined by its `index`, usage from the last
 * chunk. `finished` says whether the stream got as far as the model's finish reason or `[DONE]`.
 */
export class ChatStreamAssembler {
  private text = '';
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();
  private usage: unknown;
  private model = '';
  private finishReason: unknown;
  private done = false;

  constructor(private readonly onText: (text: string) => void) {}

  /** Takes one SSE `data` payload; returns false once `[DONE]` arrived. */
  add(data: string): boolean {
    if (data.trim() === '[DONE]') {
      this.done = true;
      return false;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw new MalformedResponseError(`sent a stream chunk that is not JSON: ${data.slice(0, 200)}`);
    }
    if (chunk.error) throw new BrokenStreamError(`the endpoint sent an error in the middle of the stream: ${String(chunk.error.message ?? JSON.stringify(chunk.error))}`, true);
    if (typeof chunk.model === 'string' && chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        this.text += delta.content;
        this.onText(delta.content);
      }
      (delta.tool_calls ?? []).forEach((piece, position) => {
        const index = typeof piece.index === 'number' ? piece.index : this.calls.size + position;
        const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
        if (piece.id) call.id = piece.id;
        if (piece.function?.name) call.name += piece.function.name;
        if (piece.function?.arguments !== undefined) call.arguments += argumentsText(piece.function.arguments);
        this.calls.set(index, call);
      });
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return true;
  }

  /** Whether the model's reply is complete: `[DONE]` or a finish reason arrived. */
  get finished(): boolean {
    return this.done || this.finishReason !== undefined;
  }

  /** How much text arrived, for messages about a broken stream. */
  get receivedChars(): number {
    return this.text.length;
  }

  response(fallbackModel: string): ModelResponse {
    const toolCalls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => ({ id: call.id, name: call.name, arguments: call.arguments }));
    return { text: this.text, toolCalls, usage: usageOf(this.usage), model: this.model || fallbackModel, stopReason: stopReasonOf(this.finishReason) };
  }
}

/** What the failure of one attempt means: retryable or not, the wait asked for, and a message that tells the user what to do. */
export function classifyFailure(error: unknown, context: { endpoint: string; model: string; timeoutMs?: number }): AttemptFailure {
  const { endpoint, model } = context;
  if (error instanceof BrokenStreamError) {
    return { retryable: true, explain: (attempts) => `the ${error.streamed ? 'stream' : 'answer'} from ${endpoint} broke off${attemptsNote(attempts)}: ${error.message}` };
  }
  if (error instanceof MalformedResponseError) return { retryable: false, explain: () => `${endpoint} ${error.message}` };
  if (error instanceof APIError && error.status !== undefined) {
    const status = error.status;
    const detail = apiMessage(error);
    const header = (name: string) => (error.headers as Headers | undefined)?.get?.(name);
    const shouldRetry = header('x-should-retry');
    const retryable = shouldRetry === 'true' || (shouldRetry !== 'false' && (status === 408 || status === 409 || status === 429 || status >= 500));
    const retryAfterMs = retryable ? retryAfterFrom(header) : undefined;
    return { retryable, retryAfterMs, explain: (attempts) => explainStatus(status, detail, endpoint, model, attemptsNote(attempts)) };
  }
  const cause = error instanceof APIConnectionError ? (error.cause as Error | undefined) : (error as Error | undefined);
  if (isConnectionFailure(error)) {
    // Some runtimes report a timeout as a plain connection error, so the timeout hint is kept here too.
    const slow = context.timeoutMs !== undefined ? `, or raise timeoutMs (${context.timeoutMs} ms) if it is slow` : '';
    const reason = cause?.message && cause.message !== 'Connection error.' ? ` (${cause.message})` : '';
    return { retryable: true, explain: (attempts) => `cannot reach ${endpoint}${attemptsNote(attempts)}${reason}; check OPENAI_BASE_URL and that the server is running${slow}` };
  }
  if ((error as { name?: string })?.name === 'SyntaxError') return { retryable: false, explain: () => `${endpoint} answered with a body that is not JSON (${(error as Error).message})` };
  return { retryable: false, explain: () => `the call to ${endpoint} failed: ${(error as Error)?.message ?? String(error)}` };
}

function explainStatus(status: number, detail: string, endpoint: string, model: string, retried: string): string {
  if (status === 401) return `401 Unauthorized from ${endpoint}: ${detail}. Set OPENAI_API_KEY to a valid API key for this endpoint`;
  if (status === 403) return `403 Forbidden from ${endpoint}: ${detail}. Check that the API key (OPENAI_API_KEY) may use model "${model}"`;
  if (status === 404) {
    return `404 from ${endpoint}: model not found or wrong endpoint (${detail}). Check the model name "${model}" and that OPENAI_BASE_URL ends with the API root (usually /v1)`;
  }
  if (status === 429) return `429 Too Many Requests from ${endpoint}${retried}: ${detail}. Wait, lower concurrency, or check the account's quota`;
  if (status === 400 || status === 422) {
    return `${status} Bad Request from ${endpoint}: ${detail}. If model "${model}" has no function calling, set the agent's toolCalling to 'text'`;
  }
  if (status >= 500) return `${status} server error from ${endpoint}${retried}: ${detail}. The endpoint failed; try again later`;
  return `${status} error from ${endpoint}: ${detail}`;
}

function apiMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : error.message;
}
