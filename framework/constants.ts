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
  /** The model's reply was cut off at its output token limit: never taken as an answer. */
  ModelOutputTruncated: 'Stepwise.ModelOutputTruncated',
  ToolError: 'Stepwise.ToolError',
  ApprovalRejected: 'Stepwise.ApprovalRejected',
  CheckpointError: 'Stepwise.CheckpointError',
  /** A turn after the first found no checkpoint for its execution: resuming would re-run tools. */
  CheckpointMissing: 'Stepwise.CheckpointMissing',
  /** A tool call may or may not have happened (transport error, timeout): the turn ends so it is retried with the same idempotency key. */
  ToolOutcomeUnknown: 'Stepwise.ToolOutcomeUnknown',
  InternalError: 'Stepwise.InternalError',
  /**
   * The run's durable event log could not take an event (a write failed): the turn stops without
   * committing anything more, and the workflow runs it again from its last checkpoint, so no
   * event a client waits for (an approval request, the run's end) is lost.
   */
  EventLogUnavailable: 'Stepwise.EventLogUnavailable',
  /**
   * The agent's container stopped before it answered its task token (ECS stopped the task, the
   * container was sent SIGTERM and handed its turn back, crashed or ran out of memory): the next
   * attempt resumes from the checkpoint, so the workflow retries it.
   */
  ContainerStopped: 'Stepwise.ContainerStopped',
  /**
   * The agent's task could not start as deployed (its image cannot be pulled, a secret cannot be
   * read, the container cannot be started): another attempt would fail the same way, so the
   * workflow does not retry it. Fix the deployment, then redrive the execution.
   */
  ContainerStartFailed: 'Stepwise.ContainerStartFailed',
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
  /**
   * Streamed text is emitted (and appended to the durable event log) at most this often, so a long
   * answer makes a few events a second rather than one per token.
   */
  textDeltaFlushMs: 250,
  /** …or as soon as this many characters wait, whichever comes first. */
  textDeltaFlushChars: 2_000,
} as const;
