/**
 * Names and defaults of the AWS deployment. This file imports nothing from aws-cdk-lib, so the CLI
 * and the Lambda handlers can use it without loading the CDK.
 */
import { ApprovalNotifierSize, TaskSizeDefaults, ToolFunctionSize } from '../state-machines/constants';

/** The CPU architecture of the agent task (the image is built for it). */
export const AGENT_TASK_ARCHITECTURE = TaskSizeDefaults.architecture;

/** Defaults of `AgentPlatformProps`, resolved once in the constructor. */
export const PlatformDefaults = {
  cpu: TaskSizeDefaults.cpu,
  memoryLimitMiB: TaskSizeDefaults.memoryMiB,
  logRetentionDays: 30,
  modelId: 'offline',
  /**
   * `HeartbeatSeconds` of `RunAgent` on AWS. A Fargate task spends its first minute or two
   * pulling the image and attaching its network interface before the container can send its
   * first beat; the local engine's containers start in a second and keep the definition's 60.
   */
  heartbeatSeconds: 180,
  dataRetentionDays: 30,
  /** Tools that write to the outbox and therefore get `STEPWISE_OUTBOX_DIR` and `s3:PutObject` on it: none unless named. */
  outboxTools: [] as readonly string[],
  toolMemorySizeMiB: ToolFunctionSize.memoryMiB,
  approvalNotifierMemorySizeMiB: ApprovalNotifierSize.memoryMiB,
  /** Added to a tool's own `timeoutMs` for the Lambda timeout, so the tool times out first and reports it. */
  toolTimeoutMarginSeconds: 5,
} as const;

/** Paths inside the repository and inside the deployed artifacts. */
export const PlatformPaths = {
  /** The config file baked into the agent image (see `agent-task/Dockerfile`). */
  containerConfig: '/app/stepwise.config.ts',
  dockerfile: 'agent-task/Dockerfile',
  /** What the final stage of `agent-task/Dockerfile` copies of the config's sources: a config elsewhere is not in that image. */
  repositoryImageConfigSources: ['stepwise.config.ts', 'agents'],
  /** Where a tool's Lambda handler lives by default, relative to the repository root. */
  toolHandler: (toolName: string) => `tools/${toolName}/handler.ts`,
  corpusInRepository: 'tools/corpus',
  /** The corpus copied next to each tool bundle. */
  corpusInLambda: '/var/task/corpus',
  /** Key prefix of the payload bucket that side-effecting tools write to. */
  outboxPrefix: 'outbox',
} as const;

/** Environment variables of the approval Lambdas, read once in their handlers. */
export const ApprovalFunctionEnv = {
  ApprovalsTable: 'STEPWISE_APPROVALS_TABLE',
  ApprovalsIndex: 'STEPWISE_APPROVALS_INDEX',
  TopicArn: 'STEPWISE_APPROVAL_TOPIC_ARN',
  /** JSON object agent name → the approval timeout its state machine uses (seconds): when the approval expires. */
  ApprovalTimeouts: 'STEPWISE_APPROVAL_TIMEOUTS',
  /** Base URL of the approval HTTP API, for the instructions in the notification. */
  ApiUrl: 'STEPWISE_APPROVAL_API_URL',
  /** The payload bucket: decisions, long arguments and reasons behind references live under `PAYLOAD_PREFIX`. */
  PayloadBucket: 'STEPWISE_PAYLOAD_BUCKET',
} as const;
export type ApprovalFunctionEnv = (typeof ApprovalFunctionEnv)[keyof typeof ApprovalFunctionEnv];

/** Environment variables of the events function, read once in its handler. */
export const EventsFunctionEnv = {
  EventsTable: 'STEPWISE_EVENTS_TABLE',
  /** JSON array of the ARNs of the state machines whose executions the function may stream. */
  StateMachineArns: 'STEPWISE_STATE_MACHINE_ARNS',
  /** The bucket holding events too large for a DynamoDB item (under `EVENT_PREFIX`). */
  PayloadBucket: 'STEPWISE_PAYLOAD_BUCKET',
} as const;
export type EventsFunctionEnv = (typeof EventsFunctionEnv)[keyof typeof EventsFunctionEnv];

/**
 * The events endpoint: a Lambda function URL streaming its response. Lambda limits a streamed
 * response to 20 MiB and a function to 900 s; a connection ends a little before either, without
 * the final message, and the client reconnects from its cursor.
 */
export const EventStreamLimits = {
  /** Lambda's longest timeout: one connection lasts about this long. */
  functionTimeoutSeconds: 900,
  /** The stream ends this long before the function would time out. */
  stopBeforeTimeoutMs: 10_000,
  /** Lambda's streamed-response limit is 20 MiB; the stream ends before this many bytes. */
  maxResponseBytes: 16 * 1024 * 1024,
  /** One strongly consistent Query of the events table per second while nothing new arrives. */
  pollMs: 1_000,
  /** One DescribeExecution every 5 s while nothing happens, and at once after a run's final event. */
  statusIntervalMs: 5_000,
  /** Memory of the events function: it holds one page of events at a time. */
  memorySizeMiB: 256,
} as const;

/** Names of the stack outputs the CLI reads to find a deployed platform. */
export const StackOutput = {
  /** JSON object of agent name → state machine ARN. */
  Agents: 'Agents',
  /** Prefix of the one-per-agent outputs; see `stateMachineOutputName`. */
  StateMachineArnPrefix: 'StateMachineArn',
  ApprovalApiUrl: 'ApprovalApiUrl',
  ApprovalTopicArn: 'ApprovalTopicArn',
  RunStateTableName: 'RunStateTableName',
  EventsTableName: 'EventsTableName',
  ApprovalsTableName: 'ApprovalsTableName',
  PayloadBucketName: 'PayloadBucketName',
  /** The secret the containers read the model API key from (its name is generated, one per stack). */
  ApiKeySecretArn: 'ApiKeySecretArn',
  /** Base URL (ends with `/`) of the events endpoint: `GET <url>executions/{executionArn}/events`, SigV4 for service `lambda`. */
  EventsUrl: 'EventsUrl',
} as const;
export type StackOutput = (typeof StackOutput)[keyof typeof StackOutput];

/**
 * The name of the stack output that holds an agent's state machine ARN: `StateMachineArn` followed
 * by the agent name in PascalCase (output names may only hold letters and digits).
 *
 * @example
 * stateMachineOutputName('market-research'); // 'StateMachineArnMarketResearch'
 */
export function stateMachineOutputName(agentName: string): string {
  const pascal = agentName
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return `${StackOutput.StateMachineArnPrefix}${pascal}`;
}

/**
 * CPU units Fargate offers and the memory sizes (MiB) allowed with each.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, { readonly min: number; readonly max: number; readonly step: number } | readonly number[]>> = {
  256: [512, 1024, 2048],
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/**
 * Whether Fargate accepts a task size.
 *
 * @example
 * isFargateTaskSize(1024, 2048); // true
 * isFargateTaskSize(256, 4096); // false
 */
export function isFargateTaskSize(cpu: number, memoryLimitMiB: number): boolean {
  const allowed = FARGATE_MEMORY_BY_CPU[cpu];
  if (allowed === undefined) return false;
  if (Array.isArray(allowed)) return allowed.includes(memoryLimitMiB);
  const range = allowed as { min: number; max: number; step: number };
  return memoryLimitMiB >= range.min && memoryLimitMiB <= range.max && (memoryLimitMiB - range.min) % range.step === 0;
}

/** The global secondary index of the approvals table keyed on `executionArn` (see `DynamoAttribute`). */
export const APPROVALS_BY_EXECUTION_INDEX = 'byExecutionArn';

/** Key prefix of checkpoints too large for a DynamoDB item (the default of `DynamoDbCheckpointStore`). */
export const CHECKPOINT_PREFIX = 'checkpoints';

/**
 * The longest reason the approval API takes, in characters. Far longer than Step Functions carries
 * (a cause holds 32,768): what does not fit travels by reference. Kept below Lambda's 6 MB request.
 */
export const APPROVAL_REASON_LIMIT = 1_048_576;

/** Key prefix of progress events too large for a DynamoDB item (the default of `DynamoDbEventLog`'s offload). */
export const EVENT_PREFIX = 'events';

/** Key prefix of payloads (values behind references; the default of `S3PayloadStore`). */
export const PAYLOAD_PREFIX = 'payloads';

/** Sub-prefixes of `PAYLOAD_PREFIX`, one per writer, so each role may write only its own (see `PayloadKey`). */
export const PayloadArea = {
  /** Long arguments of approvals, written by the container. */
  Approvals: 'approvals',
  /** Decisions, written by the decision recorder. */
  Decisions: 'decisions',
  /** Long final answers, written by the container. */
  Results: 'results',
  /** What approvers upload (edited arguments, long reasons). */
  Uploads: 'uploads',
} as const;
