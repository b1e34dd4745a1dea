import { ContainerEnv, ContainerV8Tuning, formatStoreLocation } from '../state-machines';
import { AGENT_TASK_ARCHITECTURE, PlatformPaths } from './constants';

/** The plain environment variables every agent task definition sets (the model key travels as a secret). */
export const TASK_DEFINITION_ENV = [
  ContainerEnv.Config,
  ContainerEnv.Store,
  ContainerEnv.HeartbeatSeconds,
  ContainerEnv.Model,
  ContainerEnv.ToolFunctions,
  ContainerEnv.OutboxDir,
  ContainerEnv.RetentionDays,
  ContainerEnv.Region,
  ContainerEnv.TaskCpu,
  ContainerEnv.TaskMemoryMiB,
  ContainerEnv.TaskArchitecture,
] as const;

/** Set only when `openAiBaseUrl` is given, and when `v8Tuning` is `lean` (not the container's default). */
export const OPTIONAL_TASK_DEFINITION_ENV = ['OPENAI_BASE_URL', ContainerEnv.V8Tuning] as const;

/** Environment variables the task definition fills from Secrets Manager (none for an agent on Amazon Bedrock). */
export const TASK_DEFINITION_SECRETS = ['OPENAI_API_KEY'] as const;

/** What `agentContainerEnvironment` needs; every string may be a CDK token. */
export interface AgentContainerEnvironmentOptions {
  /** The task's CPU units and memory, for the execution's cost. */
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly runStateTable: string;
  readonly eventsTable: string;
  readonly approvalsTable: string;
  readonly bucket: string;
  /** The state machine's `HeartbeatSeconds`; the container beats three times per interval. */
  readonly stateMachineHeartbeatSeconds: number;
  readonly modelId: string;
  /** `Stack.toJsonString` of tool name → function ARN. */
  readonly toolFunctionsJson: string;
  readonly region: string;
  readonly openAiBaseUrl?: string;
  /** How the container tunes V8; the variable is set only for `lean` (`node` is the container's default). */
  readonly v8Tuning?: ContainerV8Tuning;
  /** Where the image holds the config (default `/app/stepwise.config.ts`). */
  readonly configPath?: string;
  /** Days events and checkpoints are kept (the tables' TTL). */
  readonly retentionDays: number;
}

/**
 * The static environment of the agent container in AWS: the part of the `ContainerEnv` contract
 * the task definition sets (the state machine sets the dynamic part on every turn).
 *
 * @example
 * agentContainerEnvironment({ cpu: 1024, memoryLimitMiB: 2048, runStateTable: 'runs', eventsTable: 'events', approvalsTable: 'approvals', bucket: 'payloads',
 *   stateMachineHeartbeatSeconds: 60, modelId: 'offline', toolFunctionsJson: '{}', region: 'us-east-1', retentionDays: 30 });
 * // { STEPWISE_CONFIG: '/app/stepwise.config.ts', STEPWISE_HEARTBEAT_SECONDS: '20', … }
 */
export function agentContainerEnvironment(options: AgentContainerEnvironmentOptions): Record<string, string> {
  const environment: Record<string, string> = {
    [ContainerEnv.Config]: options.configPath ?? PlatformPaths.containerConfig,
    // The repository's image compiles stepwise.config.ts at build time and names it in its ENV; a
    // task that loads another config must not load that one, so it is cleared (the container then
    // loads the config it was given from source).
    ...(options.configPath !== undefined && options.configPath !== PlatformPaths.containerConfig ? { [ContainerEnv.CompiledConfig]: '' } : {}),
    [ContainerEnv.Store]: formatStoreLocation({
      kind: 'dynamodb',
      runStateTable: options.runStateTable,
      eventsTable: options.eventsTable,
      approvalsTable: options.approvalsTable,
      bucket: options.bucket,
    }),
    // Three beats per interval: one lost or late beat does not get a healthy container re-run.
    [ContainerEnv.HeartbeatSeconds]: String(Math.max(1, Math.floor(options.stateMachineHeartbeatSeconds / 3))),
    [ContainerEnv.Model]: options.modelId,
    [ContainerEnv.ToolFunctions]: options.toolFunctionsJson,
    // Part of the contract, but the container itself never writes there: every tool runs as a
    // Lambda function in AWS, and only the outbox tools' functions may write to the prefix.
    [ContainerEnv.OutboxDir]: `s3://${options.bucket}/${PlatformPaths.outboxPrefix}`,
    [ContainerEnv.RetentionDays]: String(options.retentionDays),
    [ContainerEnv.Region]: options.region,
    // The task's size reaches the container for its cost; the task definition sets the same values.
    [ContainerEnv.TaskCpu]: String(options.cpu),
    [ContainerEnv.TaskMemoryMiB]: String(options.memoryLimitMiB),
    [ContainerEnv.TaskArchitecture]: AGENT_TASK_ARCHITECTURE,
  };
  if (options.openAiBaseUrl !== undefined) environment.OPENAI_BASE_URL = options.openAiBaseUrl;
  if (options.v8Tuning === ContainerV8Tuning.Lean) environment[ContainerEnv.V8Tuning] = options.v8Tuning;
  return environment;
}
