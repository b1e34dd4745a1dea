import { Defaults, ToolCallingMode } from './constants';
import { ConfigDefinitionError } from './errors';
import type { Model } from './model';
import { isTool, type ToolFor } from './tool';

/** Limits that end a run cleanly with `BudgetExceededError`. */
export interface Budget {
  /** Input + output tokens over the whole run. */
  readonly maxTokens?: number;
  /**
   * The run's whole cost in USD (model tokens, and on the workflow its container, Lambda and Step
   * Functions use, at the config's price table). A model without a price is refused at the start.
   */
  readonly maxCostUsd?: number;
  /** Working time in ms (model and tools), not counting time spent waiting for approval. */
  readonly maxDurationMs?: number;
}

/** How approvals behave for this agent. */
export interface ApprovalPolicy {
  /** Seconds a human has to decide before the call is treated as rejected (`timeout`). @default 86400 */
  readonly timeoutSeconds?: number;
  /** Names of tools that need approval in addition to those whose `needsApproval` says so. @default [] */
  readonly tools?: readonly string[];
}

/**
 * What `defineAgent` takes. `TContext` is the context its tools need, inferred from `tools`
 * (`unknown` when none needs one).
 */
export interface AgentOptions<TContext = unknown> {
  /** Unique in the config; becomes the state machine's name: letters, digits, `-` and `_`. */
  readonly name: string;
  readonly description: string;
  /** The system prompt. @default a generic ReAct instruction built from the description */
  readonly instructions?: string;
  /**
   * `openai:<model>`, `bedrock:<model id or inference profile>`, `offline`, or a `Model` such as
   * `offlinePlanner(plan)` (a scripted run without a language model). A model named for the run
   * (`stepwise run --model`, the execution input's `options.model`, `runAgent`'s `model`) wins over it;
   * this one wins over the config's and the platform's.
   * @default the config's model, else where it runs (`STEPWISE_MODEL`, `stepwise dev --model`, the platform's `modelId`), else `offline`
   */
  readonly model?: string | Model;
  readonly tools: readonly ToolFor<TContext>[];
  /** @default 'native' */
  readonly toolCalling?: ToolCallingMode;
  /** @default 10 */
  readonly maxIterations?: number;
  readonly budget?: Budget;
  readonly approval?: ApprovalPolicy;
}

const agentBrand = Symbol.for('stepwise.agent');

/**
 * A validated agent definition: configuration only; the runner executes it. `TContext` is the
 * context its tools need (`runAgent(agent, task, { context })`); `Agent` alone is an agent of any context.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Agent<TContext = any> {
  readonly [agentBrand]: true;
  readonly name: string;
  readonly description: string;
  readonly instructions: string;
  readonly model?: string | Model;
  readonly tools: readonly ToolFor<TContext>[];
  readonly toolCalling: ToolCallingMode;
  readonly maxIterations: number;
  readonly budget: Budget;
  readonly approval: Required<ApprovalPolicy>;
}

const AGENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function assertPositive(value: number | undefined, field: string, agentName: string, integer = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigDefinitionError(
      `Agent "${agentName}": ${field} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`,
      { field },
    );
  }
}

/**
 * Defines an agent. Validates everything up front so mistakes surface when the config loads,
 * not in the middle of a run.
 *
 * @example
 * export const helper = defineAgent({
 *   name: 'helper',
 *   description: 'Answers questions about prices',
 *   tools: [price],
 *   maxIterations: 8,
 * });
 */
export function defineAgent<TContext = unknown>(options: AgentOptions<TContext>): Agent<TContext> {
  const name = options?.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigDefinitionError('Agent name is empty: give the agent a name such as "research"', { field: 'name' });
  }
  if (!AGENT_NAME.test(name)) {
    throw new ConfigDefinitionError(`Agent name "${name}" is invalid: use 1-64 letters, digits, "-" or "_" (it names a state machine)`, { field: 'name' });
  }
  if (typeof options.description !== 'string' || options.description.trim() === '') {
    throw new ConfigDefinitionError(`Agent "${name}" needs a description`, { field: 'description' });
  }
  if (!Array.isArray(options.tools)) {
    throw new ConfigDefinitionError(`Agent "${name}": tools must be an array of tools made with defineTool`, { field: 'tools' });
  }
  const seen = new Set<string>();
  options.tools.forEach((tool, index) => {
    if (!isTool(tool)) {
      throw new ConfigDefinitionError(`Agent "${name}": tools[${index}] is not a tool made with defineTool or lambdaTool`, { field: `tools[${index}]` });
    }
    if (seen.has(tool.name)) {
      throw new ConfigDefinitionError(`Agent "${name}" has two tools named "${tool.name}": tool names must be unique`, { field: 'tools' });
    }
    seen.add(tool.name);
  });
  const toolCalling = options.toolCalling ?? ToolCallingMode.Native;
  if (toolCalling !== ToolCallingMode.Native && toolCalling !== ToolCallingMode.Text) {
    throw new ConfigDefinitionError(`Agent "${name}": toolCalling must be "native" or "text", got ${JSON.stringify(toolCalling)}`, { field: 'toolCalling' });
  }
  assertPositive(options.maxIterations, 'maxIterations', name, true);
  const budget = options.budget ?? {};
  assertPositive(budget.maxTokens, 'budget.maxTokens', name, true);
  assertPositive(budget.maxCostUsd, 'budget.maxCostUsd', name);
  assertPositive(budget.maxDurationMs, 'budget.maxDurationMs', name);
  for (const key of Object.keys(budget)) {
    if (!['maxTokens', 'maxCostUsd', 'maxDurationMs'].includes(key)) {
      throw new ConfigDefinitionError(`Agent "${name}": unknown budget "${key}" (use maxTokens, maxCostUsd or maxDurationMs)`, { field: `budget.${key}` });
    }
  }
  const approvalTimeout = options.approval?.timeoutSeconds ?? Defaults.approvalTimeoutSeconds;
  assertPositive(approvalTimeout, 'approval.timeoutSeconds', name, true);
  if (approvalTimeout > 2_147_483) {
    throw new ConfigDefinitionError(`Agent "${name}": approval.timeoutSeconds may be at most 2147483 (about 24 days)`, { field: 'approval.timeoutSeconds' });
  }
  const approvalTools = options.approval?.tools ?? [];
  for (const toolName of approvalTools) {
    if (!seen.has(toolName)) {
      throw new ConfigDefinitionError(`Agent "${name}": approval.tools names "${toolName}", which is not one of its tools`, { field: 'approval.tools' });
    }
  }
  if (Object.hasOwn(options, 'offlinePlan')) {
    throw new ConfigDefinitionError(`Agent "${name}": offlinePlan is no longer an agent option; give the plan as its model instead: model: offlinePlanner(plan)`, { field: 'offlinePlan' });
  }
  return {
    [agentBrand]: true,
    name,
    description: options.description,
    instructions: options.instructions ?? defaultInstructions(options.description),
    model: options.model,
    tools: [...options.tools],
    toolCalling,
    maxIterations: options.maxIterations ?? Defaults.maxIterations,
    budget,
    approval: { timeoutSeconds: approvalTimeout, tools: [...approvalTools] },
  };
}

/** Whether a value is an agent made by `defineAgent` (from any copy of the library). */
export function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[agentBrand] === true;
}

function defaultInstructions(description: string): string {
  return [
    `You are an agent. Your job: ${description}`,
    'Work step by step: think about what you need, call tools to get it, and read what they return.',
    'Call several tools at once when they do not depend on each other.',
    'When a tool returns an error, fix the arguments and try again. When a human rejects a call, do not retry it unchanged.',
    'When you have enough information, answer the task fully, citing the sources you used.',
  ].join('\n');
}
