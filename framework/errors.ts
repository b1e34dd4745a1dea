import { ErrorName } from './constants';

/** Whose fault an error is: the user's configuration or input, the model's behaviour, a tool, or the system. */
export type ErrorFault = 'user' | 'model' | 'tool' | 'system';

/** Base of every error Stepwise throws. `code` is the shared error name used by Step Functions. */
export class StepwiseError extends Error {
  readonly code: string;
  readonly fault: ErrorFault;
  constructor(message: string, options: { code?: string; fault?: ErrorFault; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? ErrorName.InternalError;
    this.fault = options.fault ?? 'system';
  }
}

/** The agent, tool or config definition is wrong; the message says what to fix. */
export class ConfigDefinitionError extends StepwiseError {
  readonly field?: string;
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { code: ErrorName.InvalidConfig, fault: 'user', cause: options.cause });
    this.field = options.field;
  }
}

/** A tool's zod schema cannot be expressed for strict function calling. */
export class ToolSchemaError extends ConfigDefinitionError {
  readonly toolName: string;
  constructor(toolName: string, field: string, problem: string) {
    super(`Tool "${toolName}": parameter "${field}" ${problem}`, { field });
    this.toolName = toolName;
  }
}

/** Input given to a run, an execution or a command is invalid. */
export class InvalidInputError extends StepwiseError {
  readonly field?: string;
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { code: ErrorName.InvalidInput, fault: 'user', cause: options.cause });
    this.field = options.field;
  }
}

/** One problem found when validating tool arguments. */
export interface ArgumentIssue {
  /** Dotted path of the field, e.g. `filters.year`; `(root)` for the whole object. */
  readonly field: string;
  readonly message: string;
}

/** Arguments for a tool did not match its schema. */
export class ToolArgumentsError extends StepwiseError {
  readonly toolName: string;
  readonly issues: readonly ArgumentIssue[];
  constructor(toolName: string, issues: readonly ArgumentIssue[]) {
    const detail = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
    super(`Invalid arguments for tool "${toolName}": ${detail}`, { code: ErrorName.ToolError, fault: 'model' });
    this.toolName = toolName;
    this.issues = issues;
  }
}

/** The model asked for a tool the agent does not have. */
export class ToolNotFoundError extends StepwiseError {
  readonly toolName: string;
  readonly availableTools: readonly string[];
  constructor(toolName: string, availableTools: readonly string[]) {
    super(`Unknown tool "${toolName}". Available tools: ${availableTools.join(', ') || '(none)'}`, {
      code: ErrorName.ToolError,
      fault: 'model',
    });
    this.toolName = toolName;
    this.availableTools = availableTools;
  }
}

/**
 * A tool read `ctx.context`, but the run was given no context. The fix is where the run starts:
 * `runAgent(agent, task, { context })`, the config's `context`, or `toolHandler(tool, { context })`.
 */
export class ToolContextMissingError extends StepwiseError {
  readonly toolName: string;
  constructor(toolName: string) {
    super(
      `Tool "${toolName}" needs a context, but this run was given none: pass it as runAgent(agent, task, { context }), ` +
        `defineConfig({ context: (env) => … }) for the CLI and the agent container, or toolHandler(tool, { context }) in its Lambda handler`,
      { code: ErrorName.InvalidConfig, fault: 'user' },
    );
    this.toolName = toolName;
  }
}

/** A tool ran and failed (its own error, a Lambda error, throttling). */
export class ToolExecutionError extends StepwiseError {
  readonly toolName: string;
  /** Whether calling again with the same arguments might succeed (throttling, timeouts). */
  readonly retryable: boolean;
  constructor(toolName: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { code: ErrorName.ToolError, fault: 'tool', cause: options.cause });
    this.toolName = toolName;
    this.retryable = options.retryable ?? false;
  }
}

/** A tool did not finish within its `timeoutMs`. */
export class ToolTimeoutError extends ToolExecutionError {
  readonly timeoutMs: number;
  constructor(toolName: string, timeoutMs: number) {
    super(toolName, `Tool "${toolName}" timed out after ${timeoutMs} ms`, { retryable: true });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Nobody knows whether a tool call happened: the request to the tool's function failed in transit
 * (connection refused or reset, a timeout while it may still run). It is never shown to the model
 * as a failure it could retry with a new call id; the turn ends and the same call is re-invoked
 * with the same idempotency key.
 */
export class ToolOutcomeUnknownError extends StepwiseError {
  readonly toolName: string;
  constructor(toolName: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorName.ToolOutcomeUnknown, fault: 'system', cause: options.cause });
    this.toolName = toolName;
  }
}

/**
 * The durable event log (a sink that must take every event, unlike observers) failed to record
 * an event. The run is interrupted, not failed: it continues from its last checkpoint when run
 * again, and nothing it reported is lost.
 */
export class EventLogWriteError extends StepwiseError {
  /** The type of the event that could not be recorded. */
  readonly eventType: string;
  constructor(eventType: string, options: { cause?: unknown } = {}) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`The event log could not record a "${eventType}" event (${why}); the turn stops here and runs again from its last checkpoint.`, {
      code: ErrorName.EventLogUnavailable,
      fault: 'system',
      cause: options.cause,
    });
    this.eventType = eventType;
  }
}

/** The model endpoint failed or answered with something unusable. */
export class ModelError extends StepwiseError {
  readonly modelId: string;
  constructor(modelId: string, message: string, options: { cause?: unknown; code?: string } = {}) {
    super(`Model "${modelId}": ${message}`, { code: options.code ?? ErrorName.ModelError, fault: 'model', cause: options.cause });
    this.modelId = modelId;
  }
}

/**
 * A model call could not finish before the deadline it was given (`ModelRequest.deadline`): the
 * answer was still arriving, or the endpoint asked to wait longer than was left. The runner turns
 * it into `BudgetExceededError` when the deadline came from the duration budget.
 */
export class ModelDeadlineError extends ModelError {
  /** The wait the endpoint asked for before a retry, when that is what would pass the deadline. */
  readonly retryAfterMs?: number;
  constructor(modelId: string, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(modelId, message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The model's reply stopped at its output token limit, so it is incomplete and was not used. */
export class ModelOutputTruncatedError extends ModelError {
  readonly outputTokens: number;
  constructor(modelId: string, outputTokens: number) {
    super(
      modelId,
      `the reply was cut off at its output token limit after ${outputTokens} output tokens, so it is incomplete and was not used. ` +
        'Raise the model\'s maxOutputTokens (or the server\'s own limit), use a model with a larger context window, or ask for a shorter answer.',
      { code: ErrorName.ModelOutputTruncated },
    );
    this.outputTokens = outputTokens;
  }
}

/** The run used all of its iterations without a final answer. */
export class MaxIterationsExceededError extends StepwiseError {
  readonly maxIterations: number;
  constructor(maxIterations: number) {
    super(
      `The agent reached maxIterations (${maxIterations}) without a final answer. Raise maxIterations or make the task smaller.`,
      { code: ErrorName.MaxIterationsExceeded, fault: 'model' },
    );
    this.maxIterations = maxIterations;
  }
}

/** Which budget a run exceeded. */
export type BudgetKind = 'tokens' | 'costUsd' | 'durationMs';

/** The `Budget` field that sets each kind of budget. */
const BUDGET_FIELD: Readonly<Record<BudgetKind, string>> = { tokens: 'maxTokens', costUsd: 'maxCostUsd', durationMs: 'maxDurationMs' };

/** The run went over one of its budgets (or would have, before the model could answer). */
export class BudgetExceededError extends StepwiseError {
  readonly budget: BudgetKind;
  readonly limit: number;
  readonly used: number;
  constructor(budget: BudgetKind, limit: number, used: number, options: { detail?: string; cause?: unknown } = {}) {
    const what = options.detail ? `${budget} (limit ${limit}) runs out before the model can answer: ${options.detail}` : `${budget} used ${used} of ${limit}`;
    super(`Budget exceeded: ${what}. Raise budget.${BUDGET_FIELD[budget]} or narrow the task.`, {
      code: ErrorName.BudgetExceeded,
      fault: 'user',
      cause: options.cause,
    });
    this.budget = budget;
    this.limit = limit;
    this.used = used;
  }
}

/** The run was stopped through its abort signal. */
export class RunAbortedError extends StepwiseError {
  constructor(reason?: string) {
    super(`The run was aborted${reason ? `: ${reason}` : ''}`, { code: ErrorName.Aborted, fault: 'user' });
  }
}

/** A serialized run state cannot be read (wrong version, corrupt). */
export class RunStateError extends StepwiseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorName.CheckpointError, fault: 'system', cause: options.cause });
  }
}

/**
 * A turn after the first found no checkpoint for its execution. Starting afresh would run every
 * tool call again, so the turn fails instead.
 */
export class CheckpointMissingError extends StepwiseError {
  readonly executionArn: string;
  readonly turn: number;
  constructor(executionArn: string, turn: number) {
    super(
      `Execution ${executionArn} is on turn ${turn}, but its run state checkpoint is gone (deleted, or expired by the store's retention). ` +
        'Starting afresh would run its tool calls again, so this turn stops here; start a new execution to run the task again.',
      { code: ErrorName.CheckpointMissing, fault: 'system' },
    );
    this.executionArn = executionArn;
    this.turn = turn;
  }
}

/** `runAgent(agent, { resume: runId }, { checkpointStore })` found nothing stored for the run. */
export class RunNotFoundError extends StepwiseError {
  readonly runId: string;
  constructor(runId: string) {
    super(
      `The checkpoint store holds no run "${runId}": it was never started with this store (runAgent(agent, task, { checkpointStore, runId })), it was deleted, or it expired. Start it again with its task.`,
      { code: ErrorName.InvalidInput, fault: 'user' },
    );
    this.runId = runId;
  }
}

/** The container was asked to stop (SIGTERM) and handed its turn back to the workflow, which runs it again. */
export class ContainerStoppedError extends StepwiseError {
  constructor(reason: string) {
    super(`The container was stopped (${reason}); its last checkpoint is kept and the next attempt resumes from it.`, { code: ErrorName.ContainerStopped, fault: 'system' });
  }
}

/**
 * No AWS credentials could be had from where the environment says they are (the ECS container
 * credentials endpoint did not answer, or answered an error): a passing fault of the platform, which
 * the workflow retries, unlike a malformed setting (`ConfigDefinitionError`).
 */
export class CredentialsUnavailableError extends StepwiseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorName.InternalError, fault: 'system', cause: options.cause });
  }
}

/** Approval decisions given to `resume` do not match the pending approvals. */
export class ApprovalDecisionError extends StepwiseError {
  readonly approvalId?: string;
  constructor(message: string, options: { approvalId?: string; cause?: unknown } = {}) {
    super(message, { code: ErrorName.InvalidInput, fault: 'user', cause: options.cause });
    this.approvalId = options.approvalId;
  }
}

/** Turns anything thrown into `{ name, message }` with a Stepwise error name where there is one. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof StepwiseError) return { name: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message };
  return { name: 'Error', message: String(error) };
}
