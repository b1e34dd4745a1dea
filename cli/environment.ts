import type { ModelSettings } from '../framework';

/**
 * Standard AWS settings a local agent container inherits from the CLI, so a `bedrock:` model
 * reaches Amazon Bedrock with the user's own region and credentials. (The engine does not check
 * signatures, so the container's Step Functions and Lambda clients may sign with them too.)
 */
export const AWS_MODEL_ENV = [
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
] as const;

/** What the CLI takes from the environment, read once at start. */
export interface CliEnvironment {
  readonly model?: string;
  readonly modelSettings: ModelSettings;
  /** What an agent container started by this CLI gets to reach its model: `OPENAI_*` and the standard AWS settings that are set. */
  readonly modelEnv: Readonly<Record<string, string>>;
  readonly corpusDir?: string;
  /**
   * `STEPWISE_CONTAINER_V8` as given: how the agent containers of an engine this CLI starts tune V8.
   * Parsed only when `stepwise run` or `stepwise dev` starts an engine (`startProjectEngine`), so no other command fails on it.
   */
  readonly containerV8?: string;
  /** The environment a config's `context` is built from when the CLI runs tools in its own process. */
  readonly contextEnv: Readonly<Record<string, string | undefined>>;
  readonly endpoint?: string;
  readonly color: boolean;
  /** Prompts can be answered: stdin and stderr (where prompts go) are terminals, so `run … | tee log` still asks. */
  readonly interactive: boolean;
  /** `$VISUAL` or `$EDITOR`, for editing approval arguments. */
  readonly editor?: string;
}

/** Reads the environment variables the CLI understands. The only place the CLI reads `process.env`. */
export function readCliEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): CliEnvironment {
  return {
    model: env.STEPWISE_MODEL || undefined,
    modelSettings: {
      baseURL: env.OPENAI_BASE_URL || undefined,
      apiKey: env.OPENAI_API_KEY || undefined,
      awsRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
      bedrockEndpoint: env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME || undefined,
    },
    modelEnv: containerModelEnv(env),
    corpusDir: env.STEPWISE_CORPUS_DIR || undefined,
    containerV8: env.STEPWISE_CONTAINER_V8 || undefined,
    contextEnv: env,
    endpoint: env.STEPWISE_ENDPOINT || undefined,
    color: Boolean(stdout.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    interactive: Boolean(stdin.isTTY && stderr.isTTY),
    editor: env.VISUAL || env.EDITOR || undefined,
  };
}

function containerModelEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const modelEnv: Record<string, string> = {};
  for (const name of ['OPENAI_BASE_URL', 'OPENAI_API_KEY', ...AWS_MODEL_ENV]) {
    if (env[name]) modelEnv[name] = env[name] as string;
  }
  if (!modelEnv.AWS_REGION && env.AWS_DEFAULT_REGION) modelEnv.AWS_REGION = env.AWS_DEFAULT_REGION;
  // The engine gives containers placeholder keys; with a profile they must be empty, or they would win over it.
  if (modelEnv.AWS_PROFILE && !modelEnv.AWS_ACCESS_KEY_ID) Object.assign(modelEnv, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
  return modelEnv;
}
