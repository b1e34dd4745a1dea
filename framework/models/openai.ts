import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { ToolCallingMode } from '../constants';
import { ConfigDefinitionError, ModelError } from '../errors';
import type { Message, Model, ModelRequest, ModelResponse, ModelToolCall } from '../model';
import { formatObservation } from './text-protocol';

/** Options of `openAIModel`. Nothing here is read from the environment: the CLI reads `OPENAI_BASE_URL` and `OPENAI_API_KEY` and passes them. */
export interface OpenAIModelOptions {
  /** The model name the endpoint knows, e.g. `gpt-4o-mini`, `llama3.1`. */
  readonly model: string;
  /**
   * Any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama (`http://127.0.0.1:11434/v1`), vLLM, llama.cpp server.
   * @default 'https://api.openai.com/v1'
   */
  readonly baseURL?: string;
  /**
   * The key sent as a bearer token. Required for the default endpoint; with a custom `baseURL` a
   * placeholder is sent when omitted, since local servers usually need none.
   * @default undefined
   */
  readonly apiKey?: string;
  /**
   * Retries of 408/409/429/5xx answers and connection errors, with exponential backoff (done by the `openai` SDK).
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Time allowed for one attempt.
   * @default 600000 (the SDK's default)
   */
  readonly timeoutMs?: number;
  /**
   * Sampling temperature; the endpoint's default when omitted.
   * @default undefined
   */
  readonly temperature?: number;
  /** A ready client (tests, Azure). When given, `baseURL` and `apiKey` are ignored. */
  readonly client?: OpenAI;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_MAX_RETRIES = 3;

/**
 * A model served by an OpenAI-compatible chat completions endpoint, with native parallel tool
 * calls (`toolCalling: 'native'`) or the text protocol (`toolCalling: 'text'`, no tools sent).
 *
 * @example
 * const model = openAIModel({ model: 'gpt-4o-mini', apiKey: process.env.OPENAI_API_KEY });
 * const local = openAIModel({ model: 'llama3.1', baseURL: 'http://127.0.0.1:11434/v1' });
 */
export function openAIModel(options: OpenAIModelOptions): Model {
  const id = `openai:${options.model}`;
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    throw new ConfigDefinitionError('openAIModel needs a model name, e.g. { model: "gpt-4o-mini" }', { field: 'model' });
  }
  checkWholeNumber(options.maxRetries, 'maxRetries', 0);
  checkWholeNumber(options.timeoutMs, 'timeoutMs', 1);
  const client = options.client ?? createClient(id, options);
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const endpoint = `${client.baseURL.replace(/\/+$/, '')}/chat/completions`;
  // The SDK rejects `timeout: undefined`, so the key is only present when a timeout was chosen.
  const requestOptions = (signal: AbortSignal | undefined) => ({ signal, maxRetries, ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}) });

  return {
    id,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const body = toChatRequest(options, request);
      let completion: ChatCompletion;
      try {
        completion = await client.chat.completions.create(body, requestOptions(request.signal));
      } catch (error) {
        throw new ModelError(id, explain(error, { endpoint, model: options.model, maxRetries, timeoutMs: options.timeoutMs }), { cause: error });
      }
      return fromChatCompletion(id, endpoint, completion);
    },
  };
}

function checkWholeNumber(value: number | undefined, field: string, minimum: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < minimum)) {
    throw new ConfigDefinitionError(`openAIModel: ${field} must be a whole number of at least ${minimum}, got ${value}`, { field });
  }
}

function createClient(id: string, options: OpenAIModelOptions): OpenAI {
  const apiKey = options.apiKey ?? (options.baseURL ? 'not-needed' : undefined);
  if (!apiKey) {
    throw new ConfigDefinitionError(`Model "${id}" needs an API key: set OPENAI_API_KEY (or pass apiKey), or point baseURL at a server that needs none`, {
      field: 'apiKey',
    });
  }
  // Every option the SDK would otherwise take from process.env is given explicitly: config is read at the edge.
  return new OpenAI({
    apiKey,
    baseURL: options.baseURL ?? DEFAULT_BASE_URL,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
}

function toChatRequest(options: OpenAIModelOptions, request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const native = request.toolCalling === ToolCallingMode.Native;
  const messages: ChatCompletionMessageParam[] = request.instructions.trim() ? [{ role: 'system', content: request.instructions }] : [];
  for (const message of request.messages) messages.push(native ? toNativeMessage(message) : toTextMessage(message));
  const body: ChatCompletionCreateParamsNonStreaming = { model: options.model, messages };
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (native && request.tools.length > 0) {
    body.tools = request.tools.map(
      (tool): ChatCompletionTool => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.parameters, strict: true },
      }),
    );
    body.parallel_tool_calls = true;
  }
  return body;
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

function fromChatCompletion(id: string, endpoint: string, completion: ChatCompletion): ModelResponse {
  const choice = completion?.choices?.[0];
  if (!choice?.message) {
    throw new ModelError(id, `${endpoint} answered without any choices; check that the endpoint speaks the OpenAI chat completions API`);
  }
  const toolCalls: ModelToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== 'function' && call.type !== undefined) continue;
    const fn = (call as { function?: { name?: string; arguments?: unknown } }).function;
    // Some compatible servers send arguments as an object rather than JSON text.
    const args = fn?.arguments;
    toolCalls.push({ id: call.id ?? '', name: fn?.name ?? '', arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) });
  }
  return {
    text: choice.message.content ?? '',
    toolCalls,
    usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
    model: completion.model || id.slice('openai:'.length),
  };
}

interface FailureContext {
  readonly endpoint: string;
  readonly model: string;
  readonly maxRetries: number;
  readonly timeoutMs?: number;
}

function explain(error: unknown, context: FailureContext): string {
  const { endpoint, model, maxRetries } = context;
  const retried = maxRetries > 0 ? ` after ${maxRetries + 1} attempts` : '';
  if (error instanceof APIUserAbortError) return `the request to ${endpoint} was aborted before it answered`;
  if (error instanceof APIConnectionTimeoutError) {
    return `${endpoint} did not answer within ${context.timeoutMs ?? 600_000} ms${retried}; check that the server is up, or raise timeoutMs`;
  }
  if (error instanceof APIConnectionError) {
    const cause = (error.cause as Error | undefined)?.message;
    // Some runtimes report a timeout as a plain connection error, so the timeout hint is kept here too.
    const slow = context.timeoutMs !== undefined ? `, or raise timeoutMs (${context.timeoutMs} ms) if it is slow` : '';
    return `cannot reach ${endpoint}${retried}${cause ? ` (${cause})` : ''}; check OPENAI_BASE_URL and that the server is running${slow}`;
  }
  if (error instanceof APIError) {
    const detail = apiMessage(error);
    const status = error.status;
    if (status === 401) return `401 Unauthorized from ${endpoint}: ${detail}. Set OPENAI_API_KEY to a valid API key for this endpoint`;
    if (status === 403) return `403 Forbidden from ${endpoint}: ${detail}. Check that the API key (OPENAI_API_KEY) may use model "${model}"`;
    if (status === 404) {
      return `404 from ${endpoint}: model not found or wrong endpoint (${detail}). Check the model name "${model}" and that OPENAI_BASE_URL ends with the API root (usually /v1)`;
    }
    if (status === 429) return `429 Too Many Requests from ${endpoint}${retried}: ${detail}. Wait, lower concurrency, or check the account's quota`;
    if (status === 400 || status === 422) {
      return `${status} Bad Request from ${endpoint}: ${detail}. If model "${model}" has no function calling, set the agent's toolCalling to 'text'`;
    }
    if (status !== undefined && status >= 500) return `${status} server error from ${endpoint}${retried}: ${detail}. The endpoint failed; try again later`;
    return `${status ?? 'unknown'} error from ${endpoint}: ${detail}`;
  }
  return `the call to ${endpoint} failed: ${(error as Error)?.message ?? String(error)}`;
}

function apiMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : error.message;
}
