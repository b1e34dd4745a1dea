import path from 'node:path';
import { ContainerEnv, parseContainerV8Tuning, parseStoreLocation, type StoreLocation } from '../state-machines';
import { CpuArchitecture, InvalidInputError, type ContainerSize, type ModelSettings } from '../framework';

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
  /** The config compiled ahead of time (`STEPWISE_CONFIG_COMPILED`), loaded instead of compiling `configPath`. */
  readonly compiledConfigPath?: string;
  readonly store: StoreLocation;
  readonly heartbeatSeconds: number;
  /** The model when nothing else names one (`STEPWISE_MODEL`). */
  readonly model?: string;
  /** The model that wins over every other choice (`STEPWISE_MODEL_OVERRIDE`, from `stepwise dev --model`). */
  readonly modelOverride?: string;
  readonly modelSettings: ModelSettings;
  /**
   * The environment the config's `context` is built from: the container's own (the engine and
   * `AgentPlatform` set STEPWISE_CORPUS_DIR and STEPWISE_OUTBOX_DIR there for the bundled tools).
   */
  readonly contextEnv: Readonly<Record<string, string | undefined>>;
  /** Days events and checkpoints are kept in the AWS stores (TTL); undefined keeps them. */
  readonly retentionDays?: number;
  /** Tool name → Lambda function name or ARN; tools not listed run inside the container. */
  readonly toolFunctions: Readonly<Record<string, string>>;
  /** The task's size, for the execution's cost; undefined when the task definition does not say. */
  readonly taskSize?: ContainerSize;
}

/** The task size from `STEPWISE_TASK_CPU`, `STEPWISE_TASK_MEMORY_MIB` and `STEPWISE_TASK_ARCHITECTURE`: all three, or none. */
function taskSize(env: NodeJS.ProcessEnv): ContainerSize | undefined {
  const names = [ContainerEnv.TaskCpu, ContainerEnv.TaskMemoryMiB, ContainerEnv.TaskArchitecture] as const;
  const given = names.filter((name) => env[name] !== undefined && env[name] !== '');
  if (given.length === 0) return undefined;
  const missing = names.find((name) => !given.includes(name));
  if (missing) throw new InvalidInputError(`${missing} is not set, but ${given.join(' and ')} ${given.length === 1 ? 'is' : 'are'}: the task definition sets all three or none`, { field: missing });
  const cpu = Number(env[ContainerEnv.TaskCpu]);
  const memoryMiB = Number(env[ContainerEnv.TaskMemoryMiB]);
  const architecture = env[ContainerEnv.TaskArchitecture];
  if (!Number.isInteger(cpu) || cpu <= 0) throw new InvalidInputError(`${ContainerEnv.TaskCpu} must be Fargate CPU units such as 1024, got ${JSON.stringify(env[ContainerEnv.TaskCpu])}`, { field: ContainerEnv.TaskCpu });
  if (!Number.isInteger(memoryMiB) || memoryMiB <= 0) throw new InvalidInputError(`${ContainerEnv.TaskMemoryMiB} must be MiB such as 2048, got ${JSON.stringify(env[ContainerEnv.TaskMemoryMiB])}`, { field: ContainerEnv.TaskMemoryMiB });
  if (!(Object.values(CpuArchitecture) as string[]).includes(architecture ?? '')) {
    throw new InvalidInputError(`${ContainerEnv.TaskArchitecture} must be ${Object.values(CpuArchitecture).join(' or ')}, got ${JSON.stringify(architecture)}`, { field: ContainerEnv.TaskArchitecture });
  }
  return { vcpu: cpu / 1024, memoryGb: memoryMiB / 1024, architecture: architecture as CpuArchitecture };
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
    // The program applied the V8 tuning before it read the rest (`tuneV8FromEnvironment`); a value
    // that names no tuning, which it left alone, fails the turn here.
    try {
      parseContainerV8Tuning(env[ContainerEnv.V8Tuning]);
    } catch (error) {
      throw new InvalidInputError((error as Error).message, { field: ContainerEnv.V8Tuning, cause: error });
    }
    return {
      taskToken,
      executionArn: required(env, ContainerEnv.ExecutionArn),
      agent: required(env, ContainerEnv.Agent),
      turn,
      configPath: path.resolve(required(env, ContainerEnv.Config)),
      ...(env[ContainerEnv.CompiledConfig] ? { compiledConfigPath: path.resolve(env[ContainerEnv.CompiledConfig]!) } : {}),
      store,
      heartbeatSeconds,
      model: env[ContainerEnv.Model] || undefined,
      modelOverride: env[ContainerEnv.ModelOverride] || undefined,
      modelSettings: {
        baseURL: env.OPENAI_BASE_URL || undefined,
        apiKey: env.OPENAI_API_KEY || undefined,
        awsRegion: env[ContainerEnv.Region] || undefined,
        bedrockEndpoint: env[ContainerEnv.BedrockEndpoint] || undefined,
      },
      contextEnv: { ...env },
      toolFunctions: toolFunctions as Record<string, string>,
      retentionDays,
      taskSize: taskSize(env),
    };
  }
}
