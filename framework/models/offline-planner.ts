import { ConfigDefinitionError } from '../errors';
import type { Message, Model, ModelRequest, ModelResponse, ModelToolCall } from '../model';

/** What the offline planner has observed so far: each tool call of this run and what came back. */
export interface PlanObservation {
  readonly callId: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly ok: boolean;
  /** The parsed result (JSON), or the raw text when it was not JSON. */
  readonly result: unknown;
  /** The observation text the runner gave back (errors, rejections). */
  readonly text: string;
}

/** The input of an offline plan: the task, what was observed, and which tools the agent has. */
export interface PlanContext {
  readonly task: string;
  readonly observations: readonly PlanObservation[];
  readonly tools: readonly string[];
  /** The number of plan steps taken so far. */
  readonly step: number;
}

/** The next step of an offline plan: call tools (possibly in parallel), or answer. */
export type PlanStep =
  | { readonly thought: string; readonly calls: readonly { readonly tool: string; readonly args: Record<string, unknown> }[] }
  | { readonly thought: string; readonly answer: string };

/** A deterministic function from what was observed to what to do next. */
export type OfflinePlan = (context: PlanContext) => PlanStep;

/** Printed with the planner's answers so nobody mistakes it for a language model. */
export const OFFLINE_LABEL = 'offline planner (deterministic, not an LLM)';

/**
 * A scripted model that needs no network: it follows `plan` over the real tool results, so an agent
 * runs deterministically without a language model (a demo, a smoke test, an offline default). Give
 * it as the agent's model; a model named for the run (`stepwise run --model`, the execution
 * input's `options.model`) still wins over it.
 *
 * @example
 * const plan: OfflinePlan = ({ task, observations }) =>
 *   observations.length === 0
 *     ? { thought: 'Look the price up.', calls: [{ tool: 'price', args: { item: task } }] }
 *     : { thought: 'Done.', answer: `(${OFFLINE_LABEL}) ${observations[0].text}` };
 * export const shopAssistant = defineAgent({ name: 'shop', description: 'Prices', tools: [price], model: offlinePlanner(plan) });
 */
export function offlinePlanner(plan: OfflinePlan): Model {
  if (typeof plan !== 'function') throw new ConfigDefinitionError('offlinePlanner needs a plan: a function from what was observed to the next step', { field: 'model' });
  return {
    id: 'offline',
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const context = planContext(request);
      const text = request.toolCalling === 'text';
      const step = text ? nextTextStep(plan, context) : plan(context);
      const usage = { inputTokens: 0, outputTokens: 0 };
      if ('answer' in step) {
        return { text: text ? `Thought: ${step.thought}\nFinal Answer: ${step.answer}` : step.answer, toolCalls: [], usage, model: 'offline' };
      }
      const calls = step.calls.map((call, index): ModelToolCall => ({
        id: `offline_${context.step + 1}_${index + 1}`,
        name: call.tool,
        arguments: JSON.stringify(call.args),
      }));
      if (text) {
        const first = calls[0];
        return { text: `Thought: ${step.thought}\nAction: ${first.name}\nAction Input: ${first.arguments}`, toolCalls: [], usage, model: 'offline' };
      }
      return { text: step.thought, toolCalls: calls, usage, model: 'offline' };
    },
  };
}

const callKey = (tool: string, args: unknown): string => `${tool} ${JSON.stringify(args)}`;

/**
 * The text protocol carries one action per reply, but a plan step may ask for several calls at
 * once. Replaying the plan over the observations batch by batch finds the step whose calls are
 * not all observed yet, and its next call; the plan itself never needs to know the mode.
 */
function nextTextStep(plan: OfflinePlan, context: PlanContext): PlanStep {
  const all = context.observations;
  let start = 0;
  for (let guard = 0; guard <= all.length; guard++) {
    const step = plan({ ...context, observations: all.slice(0, start) });
    if ('answer' in step) return start >= all.length ? step : plan(context);
    const wanted = step.calls.map((call) => callKey(call.tool, call.args));
    let matched = 0;
    while (start + matched < all.length && wanted.includes(callKey(all[start + matched].tool, all[start + matched].args)) && matched < wanted.length) matched += 1;
    if (start + matched === all.length) {
      const observed = new Set(all.slice(start).map((observation) => callKey(observation.tool, observation.args)));
      const remaining = step.calls.filter((call) => !observed.has(callKey(call.tool, call.args)));
      if (remaining.length > 0) return { thought: step.thought, calls: remaining };
      if (matched === 0) return step;
      start = all.length;
      continue;
    }
    if (matched === 0) break;
    start += matched;
  }
  return plan(context);
}

type UserMessage = Extract<Message, { role: 'user' }>;

function planContext(request: ModelRequest): PlanContext {
  const isTask = (message: Message): message is UserMessage => message.role === 'user' && !message.content.startsWith('Observation:');
  // Only the current task's turn counts: a follow-up question in a session starts a new plan.
  const startIndex = Math.max(0, request.messages.map(isTask).lastIndexOf(true));
  const taskMessage = request.messages[startIndex];
  const task = taskMessage && taskMessage.role === 'user' ? taskMessage.content : '';
  const calls = new Map<string, { tool: string; args: Record<string, unknown> }>();
  const observations: PlanObservation[] = [];
  let step = 0;
  for (const message of request.messages.slice(startIndex)) {
    if (message.role === 'assistant') {
      step += 1;
      for (const call of message.toolCalls ?? []) calls.set(call.id, { tool: call.name, args: asObject(safeParse(call.arguments)) });
      const action = /Action:\s*(\S+)\s*\n\s*Action Input:\s*([\s\S]+)$/.exec(message.content);
      if (action && !message.toolCalls?.length) calls.set(`text_${step}`, { tool: action[1], args: asObject(safeParse(action[2].trim())) });
    } else if (message.role === 'tool') {
      const call = calls.get(message.toolCallId) ?? { tool: message.toolName, args: {} };
      observations.push(observation(message.toolCallId, call, message.content));
    } else if (message.role === 'user' && message.content.startsWith('Observation:')) {
      const call = calls.get(`text_${step}`);
      if (call) observations.push(observation(`text_${step}`, call, message.content.replace(/^Observation:\s*/, '')));
    }
  }
  return { task, observations, tools: request.tools.map((tool) => tool.name), step };
}

function observation(callId: string, call: { tool: string; args: Record<string, unknown> }, content: string): PlanObservation {
  const result = safeParse(content);
  const failed = typeof result === 'string' && /^(error|rejected by human operator|invalid arguments|unknown tool|tool .* (failed|timed out))/i.test(content);
  return { callId, tool: call.tool, args: call.args, ok: !failed, result, text: content };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
