import OpenAI from 'openai';
import { ConfigDefinitionError } from '../errors';
import type { Model, ModelRequest, ModelResponse } from '../model';
import { RetryDefaults, boundedCall, type Attempt, type RetryPolicy } from './attempts';
import { BrokenStreamError, ChatStreamAssembler, classifyFailure, fromChatCompletion, isConnectionFailure, toChatRequest } from './openai-wire';
import { serverSentEvents } from './sse';

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
   * Retries of 408/409/429/5xx answers, dropped connections, broken streams and attempts that time
   * out, with exponential backoff or the wait the endpoint asks for (`Retry-After`).
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Time allowed for one attempt, from sending the request to the last byte of the answer (a
   * server that sends its headers and then stalls is cut off here too).
   * @default 600000
   */
  readonly timeoutMs?: number;
  /**
   * The longest wait before a retry. An endpoint that asks for more (`Retry-After: 3600`) fails the
   * call at once with an error saying so, rather than holding the run for an hour.
   * @default 60000
   */
  readonly maxRetryWaitMs?: number;
  /**
   * Stream the reply (`stream: true`): its text reaches progress events as it arrives. Turn it off
   * for a server that cannot stream.
   * @default true
   */
  readonly stream?: boolean;
  /**
   * Sampling temperature; the endpoint's default when omitted.
   * @default undefined
   */
  readonly temperature?: number;
  /**
   * The most output tokens one reply may have (`max_completion_tokens`); the endpoint's default when omitted.
   * A reply cut off at the limit fails the run with `Stepwise.ModelOutputTruncated`.
   * @default undefined
   */
  readonly maxOutputTokens?: number;
  /** A ready client (tests, Azure). When given, `baseURL` and `apiKey` are ignored. */
  readonly client?: OpenAI;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * A model served by an OpenAI-compatible chat completions endpoint, with native parallel tool
 * calls (`toolCalling: 'native'`) or the text protocol (`toolCalling: 'text'`, no tools sent).
 * Replies are streamed by default. Every call is bounded: `timeoutMs` per attempt covers the whole
 * answer, retries never wait longer than `maxRetryWaitMs` or past the request's deadline, and the
 * abort signal ends any wait at once.
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
  checkWholeNumber(options.maxRetryWaitMs, 'maxRetryWaitMs', 0);
  checkWholeNumber(options.maxOutputTokens, 'maxOutputTokens', 1);
  const client = options.client ?? createClient(id, options);
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? RetryDefaults.maxRetries,
    timeoutMs: options.timeoutMs ?? RetryDefaults.timeoutMs,
    maxRetryWaitMs: options.maxRetryWaitMs ?? RetryDefaults.maxRetryWaitMs,
  };
  const stream = options.stream ?? true;
  const endpoint = `${client.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const failureContext = { endpoint, model: options.model, timeoutMs: options.timeoutMs };

  return {
    id,
    generate(request: ModelRequest): Promise<ModelResponse> {
      const body = toChatRequest({ model: options.model, temperature: options.temperature, maxOutputTokens: options.maxOutputTokens, stream }, request);
      return boundedCall(
        { modelId: id, endpoint, policy, signal: request.signal, deadline: request.deadline, classify: (error) => classifyFailure(error, failureContext) },
        async (attempt) => {
          // Retries are ours (bounded by the deadline and abortable); the SDK makes one request per attempt.
          const response = await client.chat.completions.create(body, { signal: attempt.signal, maxRetries: 0, timeout: policy.timeoutMs }).asResponse();
          const eventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
          // A server that ignores `stream: true` answers with one JSON body, which reads the same.
          if (!eventStream || !response.body) return fromChatCompletion(options.model, endpoint, await readJson(response));
          return readStream(response.body, options.model, request, attempt);
        },
      );
    },
  };
}

async function readJson(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw new BrokenStreamError(`the connection closed before the whole answer arrived (${(error as Error).message})`, false, { cause: error });
  }
  return JSON.parse(text);
}

async function readStream(body: ReadableStream<Uint8Array>, model: string, request: ModelRequest, attempt: Attempt): Promise<ModelResponse> {
  const assembler = new ChatStreamAssembler((text) => request.onTextDelta?.(text, attempt.number));
  const broken = (how: string, cause?: unknown) =>
    new BrokenStreamError(`the connection ${how} after ${assembler.receivedChars} characters of text, before the model finished its reply`, true, { cause });
  try {
    for await (const event of serverSentEvents(body)) {
      if (!assembler.add(event.data)) break;
    }
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw broken(`broke (${(error as Error).message})`, error);
  }
  if (!assembler.finished) throw broken('ended');
  return assembler.response(model);
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
    maxRetries: 0,
  });
}
