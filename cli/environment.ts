import type { ModelSettings } from '../framework';

/** What the CLI takes from the environment, read once at start. */
export interface CliEnvironment {
  readonly model?: string;
  readonly modelSettings: ModelSettings;
  readonly corpusDir?: string;
  readonly endpoint?: string;
  readonly color: boolean;
  readonly interactive: boolean;
}

/** Reads the environment variables the CLI understands. The only place the CLI reads `process.env`. */
export function readCliEnvironment(env: NodeJS.ProcessEnv = process.env, stdin: NodeJS.ReadStream = process.stdin, stdout: NodeJS.WriteStream = process.stdout): CliEnvironment {
  return {
    model: env.STEPWISE_MODEL || undefined,
    modelSettings: { baseURL: env.OPENAI_BASE_URL || undefined, apiKey: env.OPENAI_API_KEY || undefined },
    corpusDir: env.STEPWISE_CORPUS_DIR || undefined,
    endpoint: env.STEPWISE_ENDPOINT || undefined,
    color: Boolean(stdout.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    interactive: Boolean(stdin.isTTY && stdout.isTTY),
  };
}
