import { ConfigDefinitionError, chooseModel, resolveModel, type Agent, type Model, type ModelChoices, type ModelSettings } from '../framework/internal';
import { UsageError } from './errors';

/**
 * Decides the model a run will use (`chooseModel`: flag, execution input, agent, config, default)
 * and checks, before any execution starts, that it can run: a known provider and, when this
 * process's environment is what the agent will get, the key it needs. Without the check a missing
 * `OPENAI_API_KEY` surfaced as a failed execution after the container started. `settings`
 * undefined checks the spec alone (the engine that runs it has its own environment).
 *
 * @returns the model chosen, as `chooseModel` returns it.
 * @throws UsageError (exit 2) naming the model that was asked for and what it needs.
 * @example
 * const model = checkModelBeforeStart({ override: args.model, agent: agent.model, config: config.model, fallback: env.model }, agent, env.modelSettings);
 */
export function checkModelBeforeStart(choices: ModelChoices, agent: Agent, settings: ModelSettings | undefined): string | Model {
  const spec = chooseModel(choices);
  try {
    // A placeholder key: with no settings of its own the spec is checked, not the environment.
    resolveModel(spec, agent, settings ?? { apiKey: 'checked-by-the-engine' });
  } catch (error) {
    if (error instanceof ConfigDefinitionError) throw new UsageError(`Cannot run agent "${agent.name}" on model "${typeof spec === 'string' ? spec : spec.id}": ${error.message}. No execution was started.`);
    throw error;
  }
  return spec;
}
