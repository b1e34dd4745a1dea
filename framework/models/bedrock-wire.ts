/**
 * The Amazon Bedrock Converse wire format: the request for a `ModelRequest` (native tool use or
 * the text protocol), and the `ModelResponse` read from a Converse answer or assembled from
 * ConverseStream events — the two give the same text, tool calls and usage.
 */
import type { ContentBlock, ConverseRequest, ConverseResponse, ConverseStreamOutput, Message as BedrockMessage, Tool } from '@aws-sdk/client-bedrock-runtime';
import { ToolCallingMode } from '../constants';
import { StopReason, type Message, type ModelRequest, type ModelResponse, type ModelToolCall, type Usage } from '../model';
import { attemptsNote, type AttemptFailure } from './attempts';
import { formatObservation } from './text-protocol';

/** What the request needs from the model's options. */
export interface ConverseOptions {
  readonly modelId: string;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
}

/** Bedrock refuses blank text blocks: an empty reply in the history is sent as this. */
const EMPTY_REPLY = '(empty reply)';

/** The Converse request for a model request: system prompt, alternating messages, tools as JSON schemas. */
export function toConverseRequest(options: ConverseOptions, request: ModelRequest): ConverseRequest {
  const native = request.toolCalling === ToolCallingMode.Native;
  const messages: BedrockMessage[] = [];
  for (const message of request.messages) {
    const converted = native ? toNativeMessage(message) : toTextMessage(message);
    const previous = messages.at(-1);
    // Converse needs user and assistant turns to alternate: parallel tool results (and a note after
    // them) go into one user message.
    if (previous && previous.role === converted.role) previous.content = [...(previous.content ?? []), ...(converted.content ?? [])];
    else messages.push(converted);
  }
  const body: ConverseRequest = { modelId: options.modelId, messages };
  if (request.instructions.trim()) body.system = [{ text: request.instructions }];
  if (native && request.tools.length > 0) {
    body.toolConfig = {
      tools: request.tools.map((tool): Tool => ({ toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.parameters as never } } })),
    };
  }
  if (options.temperature !== undefined || options.maxOutputTokens !== undefined) {
    body.inferenceConfig = { ...(options.temperature !== undefined ? { temperature: options.temperature } : {}), ...(options.maxOutputTokens !== undefined ? { maxTokens: options.maxOutputTokens } : {}) };
  }
  return body;
}

function toNativeMessage(message: Message): BedrockMessage {
  if (message.role === 'user') return { role: 'user', content: [{ text: message.content }] };
  if (message.role === 'tool') {
    return { role: 'user', content: [{ toolResult: { toolUseId: message.toolCallId, content: [{ text: message.content.trim() === '' ? '(the tool returned nothing)' : message.content }] } }] };
  }
  const content: ContentBlock[] = message.content.trim() !== '' ? [{ text: message.content }] : [];
  for (const call of message.toolCalls ?? []) content.push({ toolUse: { toolUseId: call.id, name: call.name, input: inputObject(call.arguments) as never } });
  return { role: 'assistant', content: content.length > 0 ? content : [{ text: EMPTY_REPLY }] };
}

/** Text mode sends no tools, so the model must see neither tool uses nor tool results. */
function toTextMessage(message: Message): BedrockMessage {
  if (message.role === 'tool') return { role: 'user', content: [{ text: formatObservation(message.content) }] };
  const text = message.content.trim() === '' ? EMPTY_REPLY : message.content;
  return { role: message.role, content: [{ text }] };
}

/** A tool use's input must be a JSON object; arguments the model wrote badly are sent as `{}` (the runner told it so already). */
function inputObject(argumentsText: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The neutral stop reason of a Bedrock `stopReason`. */
function stopReasonOf(reason: string | undefined): StopReason | undefined {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return StopReason.EndTurn;
    case 'tool_use':
      return StopReason.ToolCalls;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return StopReason.MaxTokens;
    case 'content_filtered':
    case 'guardrail_intervened':
      return StopReason.ContentFilter;
    default:
      return undefined;
  }
}

/** Usage as the service sent it; the runner validates the numbers. */
function usageOf(usage: { inputTokens?: unknown; outputTokens?: unknown } | undefined): Usage {
  return { inputTokens: (usage?.inputTokens ?? 0) as number, outputTokens: (usage?.outputTokens ?? 0) as number };
}

/** The same text for an input object whether it came whole or streamed as JSON pieces. */
function inputText(input: unknown): string {
  return JSON.stringify(input ?? {});
}

/** The response in a whole Converse answer. */
export function fromConverseResponse(modelId: string, response: ConverseResponse): ModelResponse {
  let text = '';
  const toolCalls: ModelToolCall[] = [];
  for (const block of response.output?.message?.content ?? []) {
    if (typeof block.text === 'string') text += block.text;
    else if (block.toolUse) toolCalls.push({ id: block.toolUse.toolUseId ?? '', name: block.toolUse.name ?? '', arguments: inputText(block.toolUse.input) });
  }
  return { text, toolCalls, usage: usageOf(response.usage), model: modelId, stopReason: stopReasonOf(response.stopReason) };
}

/** A ConverseStream that ended before its `messageStop` and `metadata` events; worth retrying. */
export class BrokenConverseStreamError extends Error {}

/**
 * Assembles a `ModelResponse` from ConverseStream events exactly as a Converse answer gives it:
 * text deltas joined, each tool use's input pieces joined by content block and normalized to the
 * JSON a whole answer carries, usage from the `metadata` event.
 */
export class ConverseStreamAssembler {
  private text = '';
  private readonly toolUses = new Map<number, { id: string; name: string; input: string }>();
  private stopReason: string | undefined;
  private usage: { inputTokens?: unknown; outputTokens?: unknown } | undefined;
  private stopped = false;
  private metadata = false;

  constructor(private readonly onText: (text: string) => void) {}

  add(event: ConverseStreamOutput): void {
    if (event.contentBlockStart?.start?.toolUse) {
      const start = event.contentBlockStart.start.toolUse;
      this.toolUses.set(event.contentBlockStart.contentBlockIndex ?? this.toolUses.size, { id: start.toolUseId ?? '', name: start.name ?? '', input: '' });
    } else if (event.contentBlockDelta?.delta) {
      const { delta, contentBlockIndex } = event.contentBlockDelta;
      if (typeof delta.text === 'string' && delta.text !== '') {
        this.text += delta.text;
        this.onText(delta.text);
      } else if (delta.toolUse) {
        const use = this.toolUses.get(contentBlockIndex ?? -1);
        if (use) use.input += delta.toolUse.input ?? '';
      }
    } else if (event.messageStop) {
      this.stopped = true;
      this.stopReason = event.messageStop.stopReason;
    } else if (event.metadata) {
      this.metadata = true;
      this.usage = event.metadata.usage;
    }
  }

  /** Whether the answer is complete: Bedrock ends every stream with `messageStop` and then `metadata` (usage). */
  get finished(): boolean {
    return this.stopped && this.metadata;
  }

  get receivedChars(): number {
    return this.text.length;
  }

  response(modelId: string): ModelResponse {
    const toolCalls = [...this.toolUses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, use]) => ({ id: use.id, name: use.name, arguments: normalizedInput(use.input) }));
    return { text: this.text, toolCalls, usage: usageOf(this.usage), model: modelId, stopReason: stopReasonOf(this.stopReason) };
  }
}

/** Streamed input is the model's JSON text; a whole answer carries the parsed object. Both become the same text. */
function normalizedInput(streamed: string): string {
  if (streamed.trim() === '') return '{}';
  try {
    return inputText(JSON.parse(streamed));
  } catch {
    return streamed;
  }
}

/** Service errors worth sending again. */
const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelTimeoutException',
  'ModelNotReadyException',
  'ModelStreamErrorException',
  'TooManyRequestsException',
]);
/** Errors of a dropped or reset connection (by code: they come from another realm under test runners). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_STREAM_CANCEL']);

/** Whether `error` is a dropped, refused or reset connection (not an answer of the service). */
export function isConnectionFailure(error: unknown): boolean {
  return CONNECTION_CODES.has((error as { code?: string })?.code ?? '');
}

/** What the failure of one Converse attempt means, with a message that tells the user what to do. */
export function classifyBedrockFailure(error: unknown, context: { endpoint: string; modelId: string; region?: string }): AttemptFailure {
  const { endpoint, modelId } = context;
  const failure = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = failure?.name ?? 'Error';
  const message = failure?.message ?? String(error);
  const where = context.region ? ` in ${context.region}` : '';
  if (error instanceof BrokenConverseStreamError) {
    return { retryable: true, explain: (attempts) => `the stream from ${endpoint} broke off${attemptsNote(attempts)}: ${message}` };
  }
  if (RETRYABLE.has(name) || (failure?.$metadata?.httpStatusCode ?? 0) >= 500) {
    const hint = name === 'ThrottlingException' || name === 'TooManyRequestsException' ? '. Lower concurrency, or ask AWS for a higher quota for this model (Service Quotas)' : '. Try again later';
    return { retryable: true, explain: (attempts) => `${name} from ${endpoint}${attemptsNote(attempts)}: ${message}${hint}` };
  }
  if (CONNECTION_CODES.has(failure?.code ?? '') || name === 'TimeoutError') {
    return { retryable: true, explain: (attempts) => `cannot reach ${endpoint}${attemptsNote(attempts)} (${message}); check AWS_REGION, AWS_ENDPOINT_URL_BEDROCK_RUNTIME and the network` };
  }
  if (name === 'AccessDeniedException') {
    return {
      retryable: false,
      explain: () =>
        `AccessDeniedException from ${endpoint}: ${message}. Allow bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on "${modelId}"${where} (the CDK app grants exactly this to agents on a bedrock: model), and enable access to the model in the Bedrock console`,
    };
  }
  if (name === 'ResourceNotFoundException') {
    return { retryable: false, explain: () => `model "${modelId}" was not found${where} (${message}). Check the model id, and that the model is offered in this region` };
  }
  if (name === 'ValidationException') {
    return {
      retryable: false,
      explain: () =>
        `ValidationException from ${endpoint}: ${message}. A model that needs an inference profile takes its id (e.g. us.${modelId.replace(/^(us|eu|apac|global)\./, '')}); a model without tool use needs the agent's toolCalling set to 'text'`,
    };
  }
  if (name === 'CredentialsProviderError' || name === 'UnrecognizedClientException' || name === 'ExpiredTokenException' || /credential/i.test(message)) {
    return { retryable: false, explain: () => `no usable AWS credentials for ${endpoint} (${name}: ${message}). Configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a role)` };
  }
  if (/region is missing/i.test(message)) {
    return { retryable: false, explain: () => `no AWS region for Amazon Bedrock: set AWS_REGION (or pass region to bedrockModel)` };
  }
  return { retryable: false, explain: () => `the call to ${endpoint} failed (${name}): ${message}` };
}
