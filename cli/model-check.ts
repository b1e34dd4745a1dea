import { ConfigDefinitionError, resolveModel, type Agent, type Model, type ModelSettings } from '../framework';
import { UsageError } from './errors';

/**
 * Checks, before any execution starts, that the model a run would use can run: a known provider
 * and, when this process's environment is what the agent will get, the key it needs. Without the
 * check a missing `OPENAI_API_KEY` surfaced as a failed execution after the container started.
 * `settings` undefined checks the spec alone (the engine that runs it has its own environment).
 *
 * @throws UsageError (exit 2) naming the model that was asked for and what it needs.
 * @example
 * checkModelBeforeStart('openai:gpt-4.1-mini', agent, env.modelSettings);
 */
export function checkModelBeforeStart(spec: string | Model, agent: Agent, settings: ModelSettings | undefined): void {
  try {
    // A placeholder key: with no settings of its own the spec is checked, not the environment.
    resolveModel(spec, agent, settings ?? { apiKey: 'checked-by-the-engine' });
  } catch (error) {
    if (error instanceof ConfigDefinitionError) throw new UsageError(`Cannot run agent "${agent.name}" on model "${typeof spec === 'string' ? spec : spec.id}": ${error.message}. No execution was started.`);
    throw error;
  }
}
