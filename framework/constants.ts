/**
 * Names shared by the runtime, the state machine and the infrastructure, so they cannot drift.
 */

/** The status a turn of the agent ends with. */
export const RunStatus = {
  Completed: 'COMPLETED',
  Failed: 'FAILED',
  AwaitingApproval: 'AWAITING_APPROVAL',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Error names as they appear in Step Functions (`Error` of a failed execution) and in run results. */
export const ErrorName = {
  InvalidInput: 'Stepwise.InvalidInput',
  InvalidConfig: 'Stepwise.InvalidConfig',
  MaxIterationsExceeded: 'Stepwise.MaxIterationsExceeded',
  BudgetExceeded: 'Stepwise.BudgetExceeded',
  Aborted: 'Stepwise.Aborted',
  ModelError: 'Stepwise.ModelError',
  ToolError: 'Stepwise.ToolError',
  ApprovalRejected: 'Stepwise.ApprovalRejected',
  CheckpointError: 'Stepwise.CheckpointError',
  /** A turn after the first found no checkpoint for its execution: resuming would re-run tools. */
  CheckpointMissing: 'Stepwise.CheckpointMissing',
  /** A tool call may or may not have happened (transport error, timeout): the turn ends so it is retried with the same idempotency key. */
  ToolOutcomeUnknown: 'Stepwise.ToolOutcomeUnknown',
  /** The container was told to stop (SIGTERM from ECS, or its engine went away) and handed its turn back. */
  ContainerStopped: 'Stepwise.ContainerStopped',
  InternalError: 'Stepwise.InternalError',
} as const;
export type ErrorName = (typeof ErrorName)[keyof typeof ErrorName];

/** The decision a human (or a timeout) made about a pending approval. */
export const DecisionOutcome = {
  Approved: 'approved',
  Rejected: 'rejected',
  Timeout: 'timeout',
} as const;
export type DecisionOutcome = (typeof DecisionOutcome)[keyof typeof DecisionOutcome];

/** How the agent exchanges tool calls with the model. */
export const ToolCallingMode = {
  Native: 'native',
  Text: 'text',
} as const;
export type ToolCallingMode = (typeof ToolCallingMode)[keyof typeof ToolCallingMode];

/** Defaults resolved once when an agent is defined. */
export const Defaults = {
  maxIterations: 10,
  toolConcurrency: 4,
  toolTimeoutMs: 60_000,
  approvalTimeoutSeconds: 24 * 60 * 60,
  /** Characters of a tool result the model sees; the full result stays in the run state. */
  observationPreviewChars: 4_000,
} as const;
