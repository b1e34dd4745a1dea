/**
 * Names shared by the state machine definition, the agent container, the approval Lambda, the
 * infrastructure and the local engine, so that none of them can drift from the others.
 */

/** The states of an agent's workflow. */
export const StateName = {
  /** Starts the workflow state at `{ turnNumber: 1 }`; the container reads the execution input itself. */
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
  /** Stores the decision of one approval (whoever answered the token) and outputs a small marker. */
  RecordDecision: 'RecordDecision',
  /** Counts the turn up before the next `RunAgent`. */
  NextTurn: 'NextTurn',
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
  /**
   * Dynamic: which turn this is (1, then one more after each round of approvals). A turn after
   * the first must find the execution's checkpoint. The execution input is not passed: the
   * container reads it with DescribeExecution, and the decisions from the payload store.
   */
  Turn: 'STEPWISE_TURN',
  /** Static: path of `stepwise.config.ts`/`.js` inside the image; the config's relative paths start from its folder. */
  Config: 'STEPWISE_CONFIG',
  /**
   * Static, optional: the config compiled ahead of time to one CommonJS file (esbuild; packages
   * stay imports), which the container `require`s instead of compiling TypeScript when it starts.
   * The local engine compiles it into `.stepwise/build/`; the image at build time.
   */
  CompiledConfig: 'STEPWISE_CONFIG_COMPILED',
  /** Static: where run state, events and approvals live (see `parseStoreLocation`). */
  Store: 'STEPWISE_STORE',
  /** Static: seconds between heartbeats the container sends. */
  HeartbeatSeconds: 'STEPWISE_HEARTBEAT_SECONDS',
  /** Static, optional: the model to use when neither the execution input, the agent nor the config names one. */
  Model: 'STEPWISE_MODEL',
  /**
   * Static, optional: the model every run uses, whatever the execution input, the agent or the
   * config name (`stepwise dev --model`). Distinct from `Model`, which only fills a gap.
   */
  ModelOverride: 'STEPWISE_MODEL_OVERRIDE',
  /** Static, optional: directory of the document corpus the bundled tools read. */
  CorpusDir: 'STEPWISE_CORPUS_DIR',
  /** Static, optional: where side-effecting tools write (a directory, or `s3://bucket/prefix`). */
  OutboxDir: 'STEPWISE_OUTBOX_DIR',
  /** Static, optional: JSON object of tool name → Lambda function name or ARN; tools not listed run in the container. */
  ToolFunctions: 'STEPWISE_TOOL_FUNCTIONS',
  /** Static, optional: days progress events and checkpoints are kept in DynamoDB (TTL); unset keeps them. */
  RetentionDays: 'STEPWISE_RETENTION_DAYS',
  /**
   * Static, local engine only: `ipc` when the engine holds an IPC channel to the container; the
   * container exits as soon as it closes (the engine died). Unset on ECS.
   */
  EngineLifeline: 'STEPWISE_ENGINE_LIFELINE',
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
  /**
   * Static, optional: how the container tunes V8 once its code has loaded: `node` (unset: Node's
   * own tuning) or `lean` (the optimizing compilers off, the young generation kept at its first
   * size; the local engine's default). See `ContainerV8Tuning`.
   */
  V8Tuning: 'STEPWISE_CONTAINER_V8',
} as const;
export type ContainerEnv = (typeof ContainerEnv)[keyof typeof ContainerEnv];

/**
 * The variables the state machine sets on every `RunAgent`, in the order they appear in the
 * overrides. Each is bounded (a task token is at most 2,048 characters), so the overrides stay far
 * below ECS's 8,192-character limit whatever the agent and its approvers produce.
 */
export const DYNAMIC_CONTAINER_ENV = [ContainerEnv.TaskToken, ContainerEnv.ExecutionArn, ContainerEnv.Agent, ContainerEnv.Turn] as const;

/** Fields of the workflow state between states. */
export const WorkflowField = {
  /** The turn number `RunAgent` passes to the container. */
  TurnNumber: 'turnNumber',
  /** The output of the last `RunAgent`. */
  Turn: 'turn',
  /** The markers `RecordDecision` returned for the last round of approvals (an audit trail; the container reads the store). */
  Decisions: 'decisions',
} as const;

/** Fields of the payload the `RecordDecision` state sends to the decision recorder. */
export const DecisionPayloadField = {
  ExecutionArn: 'executionArn',
  Agent: 'agent',
  Approval: 'approval',
  /** `{ response }` with the SendTaskSuccess output, or the `{ Error, Cause }` the approval failed with. */
  Answer: 'answer',
} as const;

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
  /** A state's input or output, or a task's result, is larger than 262,144 bytes; `States.ALL` does not catch it. */
  DataLimitExceeded: 'States.DataLimitExceeded',
  Runtime: 'States.Runtime',
} as const;
export type StatesError = (typeof StatesError)[keyof typeof StatesError];

/** Task resources the workflow uses. */
export const TaskResource = {
  EcsRunTaskWithToken: 'arn:aws:states:::ecs:runTask.waitForTaskToken',
  LambdaInvokeWithToken: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  LambdaInvoke: 'arn:aws:states:::lambda:invoke',
} as const;

/**
 * Where Stepwise puts what does not fit inline. Anything longer travels by reference (a payload
 * store key), so the turn output, the approval items, the decisions and the execution output stay
 * far below Step Functions' 262,144 bytes whatever the model or an approver produced.
 */
export const InlineLimits = {
  /** Arguments of an approval whose JSON is longer go by reference (`argsRef` and `argsPreview`). */
  approvalArgsChars: 8_192,
  /** The reasoning an approval item carries; the model's full reasoning is in its `model.step` event. */
  approvalReasoningChars: 4_000,
  /** Previews of values that went by reference. */
  previewChars: 500,
  /** A final answer longer than this is stored; the output carries a preview and `resultRef`. */
  answerChars: 32_768,
  /** An approver's edited arguments (JSON) or reason longer than this is uploaded and sent as a reference. */
  decisionFieldChars: 32_768,
  /** The most a turn output may take: room is left for the workflow's own fields in the state. */
  turnOutputBytes: 200_000,
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
 * The approval notifier and decision recorder Lambdas: their memory (which `AgentPlatform`
 * deploys) and the billed duration an execution's cost assumes per invocation (a DynamoDB put and
 * an SNS publish, or an S3 put; the container cannot see the real one).
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
