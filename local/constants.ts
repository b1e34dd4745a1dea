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
} as const;
export type LocalErrorName = (typeof LocalErrorName)[keyof typeof LocalErrorName];

/** Defaults of the local engine. */
export const LocalDefaults = {
  host: '127.0.0.1',
  /** The name under which the engine registers its approval notifier Lambda. */
  approvalNotifierFunctionName: 'stepwise-approval-notifier',
  /** Seconds between SSE keepalive comments. */
  sseKeepaliveSeconds: 15,
  /** Lines of a container's stderr quoted in the cause when it exits without a result. */
  stderrTailLines: 10,
  /** Seconds a container may live on after its task closed before it is killed. */
  containerGraceSeconds: 10,
  maxResults: 100,
} as const;
