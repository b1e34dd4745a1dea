import { ToolFunctionSize } from '../state-machines';
import { AwsLimits } from '../framework/limits';

/**
 * Names used by the local engine: the fake account and region, the AWS error codes it answers with,
 * execution statuses and the Step Functions resources it knows how to run.
 */

/** The account and region every local ARN carries. */
export const LocalAws = {
  accountId: '000000000000',
  region: 'us-east-1',
} as const;

/** Error codes of the Step Functions API, as the SDK maps them to typed exceptions. */
export const SfnErrorCode = {
  ExecutionDoesNotExist: 'ExecutionDoesNotExist',
  ExecutionAlreadyExists: 'ExecutionAlreadyExists',
  ExecutionNotRedrivable: 'ExecutionNotRedrivable',
  StateMachineDoesNotExist: 'StateMachineDoesNotExist',
  InvalidArn: 'InvalidArn',
  InvalidName: 'InvalidName',
  InvalidExecutionInput: 'InvalidExecutionInput',
  InvalidOutput: 'InvalidOutput',
  InvalidToken: 'InvalidToken',
  TaskDoesNotExist: 'TaskDoesNotExist',
  TaskTimedOut: 'TaskTimedOut',
  ValidationException: 'ValidationException',
  UnknownOperation: 'UnknownOperationException',
  SerializationException: 'SerializationException',
} as const;
export type SfnErrorCode = (typeof SfnErrorCode)[keyof typeof SfnErrorCode];

/** Error codes of the Lambda API the engine answers with. */
export const LambdaErrorCode = {
  ResourceNotFound: 'ResourceNotFoundException',
  InvalidRequestContent: 'InvalidRequestContentException',
  /** The caller may not invoke the function (HTTP 403): locally, a gated tool outside its approved call. */
  AccessDenied: 'AccessDeniedException',
  /** The request payload exceeded the Invoke request body quota (HTTP 413). */
  RequestTooLarge: 'RequestTooLargeException',
} as const;
export type LambdaErrorCode = (typeof LambdaErrorCode)[keyof typeof LambdaErrorCode];

/** The status of an execution, as `DescribeExecution` reports it. */
export const ExecutionStatus = {
  Running: 'RUNNING',
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  TimedOut: 'TIMED_OUT',
  Aborted: 'ABORTED',
  PendingRedrive: 'PENDING_REDRIVE',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

/** Whether an execution can be redriven. */
export const RedriveStatus = {
  Redrivable: 'REDRIVABLE',
  NotRedrivable: 'NOT_REDRIVABLE',
} as const;
export type RedriveStatus = (typeof RedriveStatus)[keyof typeof RedriveStatus];

/** Error names the local engine gives executions (the `States.*` task errors are in `state-machines`). */
export const LocalErrorName = {
  /** The engine stopped while the execution was running; redrive resumes it. */
  EngineRestarted: 'Stepwise.EngineRestarted',
  /** A Task state names a resource or function the engine cannot run. */
  Runtime: 'States.Runtime',
  /** ECS refused the RunTask request (e.g. overrides longer than 8,192 characters). */
  EcsInvalidParameter: 'ECS.InvalidParameterException',
} as const;
export type LocalErrorName = (typeof LocalErrorName)[keyof typeof LocalErrorName];

/** Defaults of the local engine. */
export const LocalDefaults = {
  host: '127.0.0.1',
  /** The name under which the engine registers its approval notifier Lambda. */
  approvalNotifierFunctionName: 'stepwise-approval-notifier',
  /** The name under which the engine registers its decision recorder Lambda (the `RecordDecision` state). */
  decisionRecorderFunctionName: 'stepwise-decision-recorder',
  /** Seconds between SSE keepalive comments. */
  sseKeepaliveSeconds: 15,
  /** Lines of a container's stderr quoted in the cause when it exits without a result. */
  stderrTailLines: 10,
  /** Seconds a container may live on after its task closed before it is killed. */
  containerGraceSeconds: 10,
  maxResults: 100,
  /** The memory size the Invoke API reports for every local function: what the platform deploys tools with. */
  functionMemoryMiB: ToolFunctionSize.memoryMiB,
} as const;

/**
 * How many agent containers the engine runs at once when not told (`defaultMaxContainers`): as
 * many as half the free memory holds at a container's budget, and no more than a few per CPU (a
 * container mostly waits on its model, but its start and its tools take CPU).
 */
export const ContainerCapDefaults = {
  /** What one container process may take: its measured RSS with room for a long conversation. */
  memoryBudgetBytes: 128 * 1024 * 1024,
  /** The share of free memory containers may take together. */
  freeMemoryShare: 0.5,
  containersPerCpu: 4,
} as const;

/**
 * The largest request body each route of the engine reads; a larger one is refused with HTTP 413
 * (by its Content-Length, or as soon as the stream passes the limit) and never held in memory.
 */
export const RequestBodyLimits = {
  /** Step Functions API: the largest legal request (a 262,144-byte input or output, a 2,048-character token) with room for its envelope. */
  sfnApiBytes: 1024 * 1024,
  /** Lambda Invoke: AWS's limit for a synchronous invocation's request. */
  lambdaInvokeBytes: AwsLimits.lambdaPayloadBytes,
  /**
   * Payload uploads (edited arguments, long reasons) and console decisions. As large as a value
   * can usefully be: edited arguments reach their tool inside a Lambda Invoke of at most this
   * size, and a reason goes to the model. More would only cost the engine: parsing a 64 MiB JSON
   * array held its event loop for about half a second and took about 1 GB.
   */
  payloadUploadBytes: AwsLimits.lambdaPayloadBytes,
  /** Routes that take no body (health, approvals, events, payload reads). */
  noBodyBytes: 0,
} as const;

/** How `stepwise dev` notices edits of the config and the files it imports. */
export const ConfigWatchDefaults = {
  /** Quiet time after the last change before reloading: an editor's save, or a burst of them, reloads once. */
  debounceMs: 200,
} as const;
