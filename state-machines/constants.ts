/**
 * Names shared by the state machine definition, the agent container, the approval Lambda, the
 * infrastructure and the local engine, so that none of them can drift from the others.
 */

/** The states of an agent's workflow. */
export const StateName = {
  /** Wraps the execution input as `{ input, decisions: [] }`. */
  Initialize: 'Initialize',
  /** Runs one turn of the agent in the container and waits for its task token. */
  RunAgent: 'RunAgent',
  /** Branches on the status the turn ended with. */
  CheckTurnStatus: 'CheckTurnStatus',
  /** Shapes the execution output of a completed run. */
  ShapeResult: 'ShapeResult',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  /** The turn output had a status the workflow does not know: a bug in the container. */
  UnknownTurnStatus: 'UnknownTurnStatus',
  /** Map over the approvals a turn asked for. */
  RequestApprovals: 'RequestApprovals',
  /** One approval: invokes the approval Lambda and waits for its task token. */
  RequestApproval: 'RequestApproval',
  ApprovalTimedOut: 'ApprovalTimedOut',
  ApprovalRejected: 'ApprovalRejected',
} as const;
export type StateName = (typeof StateName)[keyof typeof StateName];

/** The name of the agent container in the ECS task definition. */
export const AGENT_CONTAINER_NAME = 'agent';

/**
 * Environment variables of the agent container contract.
 * Dynamic ones are set per turn by the state machine through ECS container overrides; static ones
 * by the task definition (AWS) or by the local container runner.
 */
export const ContainerEnv = {
  /** Dynamic: the task token of the `RunAgent` state (SendTaskSuccess/Failure/Heartbeat). */
  TaskToken: 'STEPWISE_TASK_TOKEN',
  /** Dynamic: the execution ARN (`$$.Execution.Id`); the run id and checkpoint key. */
  ExecutionArn: 'STEPWISE_EXECUTION_ARN',
  /** Dynamic: the name of the agent to run, as defined in the config. */
  Agent: 'STEPWISE_AGENT',
  /** Dynamic: the execution input JSON (see `executionInputSchema`). */
  Input: 'STEPWISE_INPUT',
  /** Dynamic: JSON array of approval results (see `approvalResultSchema`); `[]` on the first turn. */
  Decisions: 'STEPWISE_DECISIONS',
  /** Static: path of `stepwise.config.ts`/`.js` inside the image. */
  Config: 'STEPWISE_CONFIG',
  /** Static: where run state, events and approvals live (see `parseStoreLocation`). */
  Store: 'STEPWISE_STORE',
  /** Static: seconds between heartbeats the container sends. */
  HeartbeatSeconds: 'STEPWISE_HEARTBEAT_SECONDS',
  /** Static, optional: the model to use when the execution input names none. */
  Model: 'STEPWISE_MODEL',
  /** Static, optional: directory of the document corpus the bundled tools read. */
  CorpusDir: 'STEPWISE_CORPUS_DIR',
  /** Static, optional: where side-effecting tools write (a directory, or `s3://bucket/prefix`). */
  OutboxDir: 'STEPWISE_OUTBOX_DIR',
  /** Static, optional: JSON object of tool name → Lambda function name or ARN; tools not listed run in the container. */
  ToolFunctions: 'STEPWISE_TOOL_FUNCTIONS',
  /** Static, optional: days progress events and checkpoints are kept in DynamoDB (TTL); unset keeps them. */
  RetentionDays: 'STEPWISE_RETENTION_DAYS',
  /** Standard AWS SDK setting: the Step Functions endpoint (the local engine in local mode). */
  SfnEndpoint: 'AWS_ENDPOINT_URL_SFN',
  /** Standard AWS SDK setting: the Lambda endpoint (the local engine in local mode). */
  LambdaEndpoint: 'AWS_ENDPOINT_URL_LAMBDA',
  /** Static, optional: the task's CPU in Fargate units (1024 = 1 vCPU), for the execution's cost. */
  TaskCpu: 'STEPWISE_TASK_CPU',
  /** Static, optional: the task's memory in MiB, for the execution's cost. */
  TaskMemoryMiB: 'STEPWISE_TASK_MEMORY_MIB',
  /** Static, optional: the task's CPU architecture (`x86_64` or `arm64`), for the execution's cost. */
  TaskArchitecture: 'STEPWISE_TASK_ARCHITECTURE',
  /** Standard AWS SDK setting: the Bedrock Runtime endpoint for `bedrock:` models (a VPC endpoint, a local test server). */
  BedrockEndpoint: 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
  /** Standard AWS SDK setting: the region, also Amazon Bedrock's for `bedrock:` models. */
  Region: 'AWS_REGION',
} as const;
export type ContainerEnv = (typeof ContainerEnv)[keyof typeof ContainerEnv];

/** The variables the state machine sets on every `RunAgent`, in the order they appear in the overrides. */
export const DYNAMIC_CONTAINER_ENV = [
  ContainerEnv.TaskToken,
  ContainerEnv.ExecutionArn,
  ContainerEnv.Agent,
  ContainerEnv.Input,
  ContainerEnv.Decisions,
] as const;

/** Fields of the payload the `RequestApproval` state sends to the approval Lambda. */
export const ApprovalPayloadField = {
  TaskToken: 'taskToken',
  ExecutionArn: 'executionArn',
  Agent: 'agent',
  Approval: 'approval',
} as const;
export type ApprovalPayloadField = (typeof ApprovalPayloadField)[keyof typeof ApprovalPayloadField];

/** Error names raised by Step Functions itself that the workflow handles. */
export const StatesError = {
  All: 'States.ALL',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  TaskFailed: 'States.TaskFailed',
} as const;
export type StatesError = (typeof StatesError)[keyof typeof StatesError];

/** Task resources the workflow uses. */
export const TaskResource = {
  EcsRunTaskWithToken: 'arn:aws:states:::ecs:runTask.waitForTaskToken',
  LambdaInvokeWithToken: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
} as const;

/**
 * The largest task timeout the workflow uses, in seconds (about 24.8 days). Step Functions allows
 * more, but the local interpreter waits with `setTimeout`, which fires at once above 2^31-1 ms.
 */
export const MAX_TASK_TIMEOUT_SECONDS = 2_147_483;

/**
 * What Step Functions accepts in `SendTaskFailure`: longer values are refused, so senders clip
 * to these lengths (characters).
 */
export const SEND_TASK_FAILURE_LIMITS = {
  error: 256,
  cause: 32_768,
} as const;

/**
 * The agent task's size when the deployment names none: `AgentPlatform` deploys it, and the local
 * engine gives its containers the same, so a local execution's cost is what it would be on AWS.
 */
export const TaskSizeDefaults = {
  cpu: 1024,
  memoryMiB: 2048,
  architecture: 'x86_64',
} as const;

/** The tool functions `AgentPlatform` deploys; the local engine reports the same size in its Lambda logs. */
export const ToolFunctionSize = {
  memoryMiB: 512,
} as const;

/**
 * The approval notifier Lambda: its memory (which `AgentPlatform` deploys) and the billed
 * duration an execution's cost assumes per invocation (a DynamoDB put and an SNS publish; the
 * container cannot see the real one).
 */
export const ApprovalNotifierSize = {
  memoryMiB: 256,
  estimatedBilledMs: 500,
} as const;

/** Defaults of `buildAgentDefinition`. */
export const DefinitionDefaults = {
  heartbeatSeconds: 60,
  runTimeoutSeconds: 3_600,
  maxContainerAttempts: 3,
  launchType: 'FARGATE',
} as const;
