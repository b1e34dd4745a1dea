import type { Agent } from '../agent';
import { ConfigDefinitionError } from '../errors';
import type { Model } from '../model';
import { offlinePlanner } from './offline-planner';
import { openAIModel } from './openai';

/** Endpoint and key for OpenAI-compatible models, read from the environment by the caller. */
export interface ModelSettings {
  /** `OPENAI_BASE_URL`; any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp, Azure). */
  readonly baseURL?: string;
  /** `OPENAI_API_KEY`. */
  readonly apiKey?: string;
}

/**
 * Turns a model spec into a `Model`: `offline` (or nothing) is the offline planner following the
 * agent's plan; `openai:<model>` uses the OpenAI-compatible endpoint in `settings`.
 *
 * @example
 * const model = resolveModel('openai:gpt-4o-mini', agent, { baseURL: 'http://127.0.0.1:11434/v1', apiKey: 'x' });
 */
export function resolveModel(spec: string | Model | undefined, agent: Agent, settings: ModelSettings = {}): Model {
  if (spec !== undefined && typeof spec !== 'string') return spec;
  if (spec === undefined || spec === '' || spec === 'offline') return offlinePlanner(agent.offlinePlan);
  if (spec.startsWith('openai:') && spec.length > 'openai:'.length) {
    // A local OpenAI-compatible server usually needs no key; the SDK insists on one, so send a placeholder.
    const apiKey = settings.apiKey ?? (settings.baseURL ? 'not-needed' : undefined);
    if (!apiKey) {
      throw new ConfigDefinitionError(`Model "${spec}" needs OPENAI_API_KEY (or OPENAI_BASE_URL pointing at a server that needs no key)`, { field: 'model' });
    }
    return openAIModel({ model: spec.slice('openai:'.length), baseURL: settings.baseURL, apiKey });
  }
  throw new ConfigDefinitionError(`Unknown model "${spec}": use "offline" or "openai:<model name>" (e.g. openai:gpt-4o-mini)`, { field: 'model' });
}
