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

/** What the runner asks a model for. */
export interface ModelRequest {
  /** The system prompt: the agent's instructions (and, in text mode, the protocol and tool list). */
  readonly instructions: string;
  readonly messages: readonly Message[];
  /** The agent's tools. Sent natively in native mode; in text mode they are described in `instructions` and adapters must not send them. */
  readonly tools: readonly ToolSpec[];
  readonly toolCalling: ToolCallingMode;
  readonly signal?: AbortSignal;
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
}

/** A chat model. Small on purpose: one method. */
export interface Model {
  /** e.g. `openai:gpt-4o-mini`, `offline`. */
  readonly id: string;
  generate(request: ModelRequest): Promise<ModelResponse>;
}
