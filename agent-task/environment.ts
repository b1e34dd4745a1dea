import path from 'node:path';
import { ContainerEnv, parseStoreLocation, type StoreLocation } from '../state-machines';
import { InvalidInputError, type ModelSettings } from '../framework';

/**
 * Everything the container needs from its environment, read once and validated. The execution
 * input and the approval decisions are not in it: they are read by reference (DescribeExecution,
 * the payload store), so nothing unbounded crosses the ECS overrides.
 */
export interface ContainerConfig {
  readonly taskToken: string;
  readonly executionArn: string;
  readonly agent: string;
  /** Which turn of the execution this is (1, then one more after each round of approvals). */
  readonly turn: number;
  readonly configPath: string;
  readonly store: StoreLocation;
  readonly heartbeatSeconds: number;
  readonly model?: string;
  readonly modelSettings: ModelSettings;
  readonly corpusDir?: string;
  readonly outboxDir?: string;
  /** Days events and checkpoints are kept in the AWS stores (TTL); undefined keeps them. */
  readonly retentionDays?: number;
  /** Tool name → Lambda function name or ARN; tools not listed run inside the container. */
  readonly toolFunctions: Readonly<Record<string, string>>;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new InvalidInputError(`The container needs ${name}, which is not set`, { field: name });
  return value;
}

function json(env: NodeJS.ProcessEnv, name: string, fallback?: string): unknown {
  const text = env[name] ?? fallback;
  if (text === undefined) throw new InvalidInputError(`The container needs ${name}, which is not set`, { field: name });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${name} is not valid JSON: ${(error as Error).message}`, { field: name });
  }
}

/**
 * Reads and validates the container contract (see `ContainerEnv`). Throws `InvalidInputError`
 * naming the variable that is wrong.
 */
export function readContainerConfig(env: NodeJS.ProcessEnv): ContainerConfig {
  const taskToken = required(env, ContainerEnv.TaskToken);
  {
    const heartbeatSeconds = Number(env[ContainerEnv.HeartbeatSeconds] ?? '20');
    if (!Number.isFinite(heartbeatSeconds) || heartbeatSeconds <= 0) {
      throw new InvalidInputError(`${ContainerEnv.HeartbeatSeconds} must be a positive number of seconds`, { field: ContainerEnv.HeartbeatSeconds });
    }
    const toolFunctions = json(env, ContainerEnv.ToolFunctions, '{}');
    if (typeof toolFunctions !== 'object' || toolFunctions === null || Array.isArray(toolFunctions) || Object.values(toolFunctions).some((value) => typeof value !== 'string')) {
      throw new InvalidInputError(`${ContainerEnv.ToolFunctions} must be a JSON object of tool name → function name`, { field: ContainerEnv.ToolFunctions });
    }
    const retention = env[ContainerEnv.RetentionDays];
    const retentionDays = retention === undefined || retention === '' ? undefined : Number(retention);
    if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays > 0)) {
      throw new InvalidInputError(`${ContainerEnv.RetentionDays} must be a whole number of days, got ${JSON.stringify(retention)}`, { field: ContainerEnv.RetentionDays });
    }
    const turnText = required(env, ContainerEnv.Turn);
    const turn = Number(turnText);
    if (!Number.isSafeInteger(turn) || turn < 1) {
      throw new InvalidInputError(`${ContainerEnv.Turn} must be a whole number from 1, got ${JSON.stringify(turnText)}`, { field: ContainerEnv.Turn });
    }
    let store: StoreLocation;
    try {
      store = parseStoreLocation(required(env, ContainerEnv.Store));
    } catch (error) {
      throw new InvalidInputError((error as Error).message, { field: ContainerEnv.Store, cause: error });
    }
    return {
      taskToken,
      executionArn: required(env, ContainerEnv.ExecutionArn),
      agent: required(env, ContainerEnv.Agent),
      turn,
      configPath: path.resolve(required(env, ContainerEnv.Config)),
      store,
      heartbeatSeconds,
      model: env[ContainerEnv.Model] || undefined,
      modelSettings: { baseURL: env.OPENAI_BASE_URL || undefined, apiKey: env.OPENAI_API_KEY || undefined },
      corpusDir: env[ContainerEnv.CorpusDir] || undefined,
      outboxDir: env[ContainerEnv.OutboxDir] || undefined,
      toolFunctions: toolFunctions as Record<string, string>,
      retentionDays,
    };
  }
}
