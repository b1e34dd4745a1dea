import type { Agent } from '../agent';
import { ConfigDefinitionError } from '../errors';
import type { Model } from '../model';
import { bedrockModel } from './bedrock';
import { offlineModel } from './offline-model';
import { openAIModel } from './openai';

/** Where the models are, read from the environment by the caller (CLI, container). */
export interface ModelSettings {
  /** `OPENAI_BASE_URL`; any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp, Azure). */
  readonly baseURL?: string;
  /** `OPENAI_API_KEY`. */
  readonly apiKey?: string;
  /** `AWS_REGION`: the region of Amazon Bedrock for `bedrock:` models. */
  readonly awsRegion?: string;
  /** `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`: another Bedrock Runtime endpoint (a VPC endpoint, a test server). */
  readonly bedrockEndpoint?: string;
}

/** The model providers a spec can name, as `<provider>:<model>`. */
export const ModelProvider = {
  OpenAI: 'openai',
  Bedrock: 'bedrock',
} as const;
export type ModelProvider = (typeof ModelProvider)[keyof typeof ModelProvider];

/** Where a run's model can be named, from the one that wins to the one asked last. */
export interface ModelChoices {
  /**
   * The flag of whoever runs it, which wins over everything, the agent's own model included:
   * `stepwise dev --model` (to containers as `STEPWISE_MODEL_OVERRIDE`), `stepwise run --model`
   * in process.
   */
  readonly override?: string;
  /** This execution's own choice: the execution input's `options.model` (`stepwise run --model` through an engine), `runAgent`'s `model`. */
  readonly run?: string | Model;
  /** The agent's `model`. */
  readonly agent?: string | Model;
  /** The config's `model`. */
  readonly config?: string;
  /** The default of where the run executes, when nothing above names one: `STEPWISE_MODEL`, the deployed platform's `modelId`. */
  readonly fallback?: string;
}

/**
 * Decides which model a run uses, the same way everywhere (the CLI in process, the agent
 * container, the CLI's check before it starts an execution): the override flag, else the
 * execution's own choice, else the agent's, else the config's, else the default of where it runs,
 * else `offline`. An empty string counts as not named.
 *
 * @example
 * chooseModel({ run: undefined, agent: 'openai:gpt-4.1-mini', config: 'offline' }); // 'openai:gpt-4.1-mini'
 * chooseModel({ override: 'offline', agent: 'openai:gpt-4.1-mini' }); // 'offline' (stepwise dev --model offline)
 */
export function chooseModel(choices: ModelChoices): string | Model {
  const named = (value: string | Model | undefined) => value !== undefined && value !== '';
  if (named(choices.override)) return choices.override!;
  if (named(choices.run)) return choices.run!;
  if (named(choices.agent)) return choices.agent!;
  if (named(choices.config)) return choices.config!;
  if (named(choices.fallback)) return choices.fallback!;
  return 'offline';
}

/**
 * Turns a model spec into a `Model`: `offline` (or nothing) is the offline model, which answers
 * that no model is configured and how to name one; `openai:<model>` uses the OpenAI-compatible endpoint in `settings`;
 * `bedrock:<model id or inference profile>` uses Amazon Bedrock in `settings.awsRegion` with the
 * standard AWS credentials.
 *
 * @example
 * const model = resolveModel('openai:gpt-4o-mini', agent, { baseURL: 'http://127.0.0.1:11434/v1', apiKey: 'x' });
 * const claude = resolveModel('bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0', agent, { awsRegion: 'us-east-1' });
 */
export function resolveModel(spec: string | Model | undefined, agent: Agent, settings: ModelSettings = {}): Model {
  if (spec !== undefined && typeof spec !== 'string') return spec;
  if (spec === undefined || spec === '' || spec === 'offline') return offlineModel();
  if (spec.startsWith('openai:') && spec.length > 'openai:'.length) {
    // A local OpenAI-compatible server usually needs no key; the SDK insists on one, so send a placeholder.
    const apiKey = settings.apiKey ?? (settings.baseURL ? 'not-needed' : undefined);
    if (!apiKey) {
      throw new ConfigDefinitionError(`Model "${spec}" needs OPENAI_API_KEY (or OPENAI_BASE_URL pointing at a server that needs no key)`, { field: 'model' });
    }
    return openAIModel({ model: spec.slice('openai:'.length), baseURL: settings.baseURL, apiKey });
  }
  if (spec.startsWith('bedrock:') && spec.length > 'bedrock:'.length) {
    return bedrockModel({ model: spec.slice('bedrock:'.length), region: settings.awsRegion, endpoint: settings.bedrockEndpoint });
  }
  throw new ConfigDefinitionError(
    `Unknown model "${spec}": use "offline", "openai:<model name>" (e.g. openai:gpt-4o-mini) or "bedrock:<model id or inference profile>" (e.g. bedrock:amazon.nova-pro-v1:0)`,
    { field: 'model' },
  );
}
