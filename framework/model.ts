import type { ToolCallingMode } from './constants';
import type { JsonSchema } from './json-schema';

/** A tool as the model sees it. */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
}

/** A tool call the model asked for. `arguments` is the raw JSON text the model produced. */
export interface ModelToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** Token usage of one or more model calls. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** One message of the conversation, in a provider-neutral shape. */
export type Message =
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ModelToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly toolName: string; readonly content: string };

/**
 * Why a model stopped writing, in provider-neutral terms. The runner refuses a reply that stopped
 * at `max_tokens` (it is cut off) or at `content_filter`: neither is ever a final answer.
 */
export const StopReason = {
  /** The model finished its reply. */
  EndTurn: 'end_turn',
  /** The model stopped to call tools. */
  ToolCalls: 'tool_calls',
  /** The output token limit cut the reply off. */
  MaxTokens: 'max_tokens',
  /** The endpoint's content filter or guardrail stopped the reply. */
  ContentFilter: 'content_filter',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** What the runner asks a model for. */
export interface ModelRequest {
  /** The system prompt: the agent's instructions (and, in text mode, the protocol and tool list). */
  readonly instructions: string;
  readonly messages: readonly Message[];
  /** The agent's tools. Sent natively in native mode; in text mode they are described in `instructions` and adapters must not send them. */
  readonly tools: readonly ToolSpec[];
  readonly toolCalling: ToolCallingMode;
  readonly signal?: AbortSignal;
  /**
   * When the whole call — every attempt, every retry wait — must be over, as epoch milliseconds
   * (`Date.now()` clock); set from the agent's duration budget. A model that cannot answer in time
   * throws `ModelDeadlineError` instead of waiting past it.
   */
  readonly deadline?: number;
  /**
   * Receives the text of the reply as it arrives (streaming models). `attempt` counts from 1: a
   * higher attempt means the earlier stream broke off and the model is answering again from the
   * start, so text of an earlier attempt is to be discarded.
   */
  readonly onTextDelta?: (text: string, attempt: number) => void;
  /** The agent's name and task, for models that plan without an LLM. */
  readonly agentName: string;
}

/** What a model answers. */
export interface ModelResponse {
  /** Text the model wrote: its reasoning or final answer (native), or the whole protocol text (text mode). */
  readonly text: string;
  readonly toolCalls: readonly ModelToolCall[];
  readonly usage: Usage;
  /** The model that actually answered, for pricing. */
  readonly model: string;
  /** Why the model stopped; undefined when the endpoint does not say. */
  readonly stopReason?: StopReason;
}

/** A chat model. Small on purpose: one method. */
export interface Model {
  /** e.g. `openai:gpt-4o-mini`, `offline`. */
  readonly id: string;
  generate(request: ModelRequest): Promise<ModelResponse>;
}
