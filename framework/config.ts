import { isAgent, type Agent } from './agent';
import { ConfigDefinitionError } from './errors';
import { resolvePrices, type PriceOverrides } from './cost';

/** The environment a config's `context` is built from: `process.env` of wherever the run executes. */
export type ContextEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * Builds the tools' context where a run executes (the CLI, the agent container, the local
 * engine's tool functions), from that place's environment. It runs once per process (per
 * container turn), not per call.
 */
export type ContextFactory<TContext> = (env: ContextEnvironment) => TContext | Promise<TContext>;

/** What `stepwise.config.ts` exports (default export). */
export interface StepwiseConfigOptions<TContext = unknown> {
  readonly agents: readonly Agent<TContext>[];
  /**
   * The context the agents' tools receive as `ctx.context` when the config runs them (`stepwise
   * run`, the agent container, the local engine's tool functions), built from that place's
   * environment. A tool deployed as its own Lambda function builds its context in its handler
   * (`toolHandler(tool, { context })`). Read the environment here, not in the tools.
   * @default none: a tool that reads `ctx.context` fails with `ToolContextMissingError`
   */
  readonly context?: ContextFactory<TContext>;
  /**
   * Changes to the default price table: model prices (USD per million tokens) under `models`,
   * and the region and AWS prices (Fargate, Lambda, Step Functions) an execution's cost uses.
   */
  readonly prices?: PriceOverrides;
  /** The default model for agents that name none: `openai:<model>`, `bedrock:<model id>` or `offline`. @default 'offline' */
  readonly model?: string;
  /** URL that the local engine POSTs each approval request to. @default none */
  readonly approvalWebhookUrl?: string;
}

const configBrand = Symbol.for('stepwise.config');

/** A validated Stepwise configuration; `StepwiseConfig` alone is a config of any context. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface StepwiseConfig<TContext = any> extends StepwiseConfigOptions<TContext> {
  readonly [configBrand]: true;
  /** Finds an agent by name, or throws an error listing the agents there are. */
  agent(name: string): Agent<TContext>;
}

/**
 * Declares the agents of a project. `stepwise.config.ts` default-exports the result.
 *
 * @example
 * export default defineConfig({
 *   agents: [shopAssistant],
 *   context: (env) => ({ prices: loadPrices(env.PRICE_LIST ?? 'prices.csv') }),
 *   prices: { models: { 'my-model': { inputPerMillion: 1, outputPerMillion: 2 } } },
 * });
 */
export function defineConfig<TContext = unknown>(options: StepwiseConfigOptions<TContext>): StepwiseConfig<TContext> {
  if (!options || !Array.isArray(options.agents) || options.agents.length === 0) {
    throw new ConfigDefinitionError('defineConfig needs at least one agent in "agents"', { field: 'agents' });
  }
  const names = new Set<string>();
  options.agents.forEach((agent, index) => {
    if (!isAgent(agent)) throw new ConfigDefinitionError(`agents[${index}] is not an agent made with defineAgent`, { field: `agents[${index}]` });
    if (names.has(agent.name)) throw new ConfigDefinitionError(`Two agents are named "${agent.name}": agent names must be unique`, { field: 'agents' });
    names.add(agent.name);
  });
  resolvePrices(options.prices);
  if (options.context !== undefined && typeof options.context !== 'function') {
    throw new ConfigDefinitionError('context must be a function of the environment that returns the tools\' context, e.g. context: (env) => ({ … })', { field: 'context' });
  }
  return {
    ...options,
    [configBrand]: true,
    agent(name: string): Agent<TContext> {
      const found = options.agents.find((agent) => agent.name === name);
      if (!found) {
        throw new ConfigDefinitionError(`No agent named "${name}". Agents in this config: ${[...names].join(', ')}`, { field: 'agent' });
      }
      return found;
    },
  };
}

/** Whether a value is a config made by `defineConfig` (from any copy of the library). */
export function isConfig(value: unknown): value is StepwiseConfig {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[configBrand] === true;
}

/**
 * Builds a config's tool context for the environment of the place a run executes (called at that
 * edge: the CLI, the agent container, the local engine). Undefined when the config has no `context`.
 * @throws ConfigDefinitionError naming the config's `context` when it throws
 * @internal
 */
export async function contextOfConfig(config: StepwiseConfig, env: ContextEnvironment): Promise<unknown> {
  if (config.context === undefined) return undefined;
  try {
    return await config.context(env);
  } catch (error) {
    throw new ConfigDefinitionError(`The config's context could not be built: ${(error as Error)?.message ?? String(error)}`, { field: 'context', cause: error });
  }
}
