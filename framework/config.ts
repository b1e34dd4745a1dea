import { isAgent, type Agent } from './agent';
import { ConfigDefinitionError } from './errors';
import { resolvePrices, type PriceOverrides } from './cost';

/** What `stepwise.config.ts` exports (default export). */
export interface StepwiseConfigOptions {
  readonly agents: readonly Agent[];
  /**
   * Changes to the default price table: model prices (USD per million tokens) under `models`,
   * and the region and AWS prices (Fargate, Lambda, Step Functions) an execution's cost uses.
   */
  readonly prices?: PriceOverrides;
  /** The default model for agents that name none: `openai:<model>`, `bedrock:<model id>` or `offline`. @default 'offline' */
  readonly model?: string;
  /** Folder of documents for the bundled tools, relative to the config file. @default the bundled corpus */
  readonly corpusDir?: string;
  /** URL that the local engine POSTs each approval request to. @default none */
  readonly approvalWebhookUrl?: string;
}

const configBrand = Symbol.for('stepwise.config');

/** A validated Stepwise configuration. */
export interface StepwiseConfig extends StepwiseConfigOptions {
  readonly [configBrand]: true;
  /** Finds an agent by name, or throws an error listing the agents there are. */
  agent(name: string): Agent;
}

/**
 * Declares the agents of a project. `stepwise.config.ts` default-exports the result.
 *
 * @example
 * export default defineConfig({ agents: [research, content], prices: { models: { 'my-model': { inputPerMillion: 1, outputPerMillion: 2 } } } });
 */
export function defineConfig(options: StepwiseConfigOptions): StepwiseConfig {
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
  return {
    ...options,
    [configBrand]: true,
    agent(name: string): Agent {
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
