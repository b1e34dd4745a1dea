import { ToolCallingMode } from '../constants';
import type { Message, ModelRequest, ModelToolCall, ToolSpec } from '../model';
import { formatObservation, textProtocolInstructions } from '../models/text-protocol';
import type { RunContext } from './run-context';

/** The request for the next model step, shaped for the agent's tool-calling mode. */
export function buildRequest(context: RunContext, signal: AbortSignal): ModelRequest {
  const tools: ToolSpec[] = context.agent.tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.jsonSchema }));
  const text = context.agent.toolCalling === ToolCallingMode.Text;
  return {
    instructions: text ? textProtocolInstructions(context.agent.instructions, tools) : context.agent.instructions,
    messages: text ? toTextMessages(context.state.messages) : context.state.messages,
    tools,
    toolCalling: context.agent.toolCalling,
    signal,
    agentName: context.agent.name,
  };
}

/** In text mode the model sees its own protocol text and `Observation:` messages, never tool roles. */
function toTextMessages(messages: readonly Message[]): Message[] {
  return messages.map((message) =>
    message.role === 'tool'
      ? { role: 'user', content: formatObservation(message.content) }
      : message.role === 'assistant'
        ? { role: 'assistant', content: message.content }
        : message,
  );
}

/** The tool calls of the last assistant message that have no tool message yet. */
export function unansweredCalls(messages: readonly Message[]): { calls: ModelToolCall[]; reasoning: string } {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message.role === 'assistant') {
      const answered = new Set(messages.slice(index + 1).flatMap((later) => (later.role === 'tool' ? [later.toolCallId] : [])));
      return { calls: (message.toolCalls ?? []).filter((call) => !answered.has(call.id)), reasoning: message.content };
    }
  }
  return { calls: [], reasoning: '' };
}

/**
 * Gives each call an id that is unique in the run: some models reuse ids like `call_0`, and the
 * ledger (and the idempotency key) must never confuse two calls.
 */
export function uniqueCallIds(context: RunContext, calls: readonly ModelToolCall[]): ModelToolCall[] {
  const seen = new Set<string>();
  return calls.map((call, index) => {
    let id = call.id && call.id.trim() !== '' ? call.id : `call_${context.state.iterations}_${index + 1}`;
    if (context.state.ledger[id] || seen.has(id)) id = `${id}_${context.state.iterations}_${index + 1}`;
    seen.add(id);
    return { ...call, id };
  });
}
