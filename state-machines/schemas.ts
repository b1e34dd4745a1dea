import { z } from 'zod';
import { DecisionOutcome, RunStatus } from '../framework/constants';
import { InvalidInputError } from '../framework/errors';
import { ApprovalPayloadField, MAX_TASK_TIMEOUT_SECONDS, StatesError } from './constants';

const plainObject = z.record(z.string(), z.unknown());

/** The input of an agent execution, as given to StartExecution. Unknown keys are rejected. */
export const executionInputSchema = z.strictObject({
  /** What the agent should do. */
  task: z.string().trim().min(1, 'task must not be empty').max(20_000, 'task may be at most 20000 characters'),
  /** Continues the conversation of an earlier run with the same session id. */
  sessionId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, 'sessionId may contain only letters, digits, ".", "_", ":" and "-"')
    .optional(),
  options: z
    .strictObject({
      model: z.string().min(1).optional(),
      maxIterations: z.number().int().min(1).max(1_000).optional(),
    })
    .optional(),
});
export type ExecutionInput = z.infer<typeof executionInputSchema>;

/** One tool call waiting for a human, as the container reports it in its turn output. */
export const approvalRequestSchema = z.object({
  approvalId: z.string().min(1),
  callId: z.string().min(1),
  tool: z.string().min(1),
  args: plainObject,
  /** What the model said it was doing when it asked for the call. */
  reasoning: z.string(),
  timeoutSeconds: z.number().int().min(1).max(MAX_TASK_TIMEOUT_SECONDS),
  requestedAt: z.string().optional(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

const errorInfoSchema = z.object({ name: z.string().min(1), message: z.string() });

const usd = z.number().min(0);
const quantity = z.number().min(0);

/** An execution's cost line by line (`CostBreakdown`), as the turn output and the execution output carry it. */
export const costBreakdownSchema = z.object({
  totalUsd: usd.nullable(),
  region: z.string().min(1),
  pricesAsOf: z.string().min(1),
  model: z.object({
    usd: usd.nullable(),
    byModel: z.record(z.string(), z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0), usd: usd.nullable() })),
    unpriced: z.array(z.string()),
  }),
  container: z.object({
    turns: z.number().int().min(0),
    billedSeconds: quantity,
    vcpuSeconds: quantity,
    gbSeconds: quantity,
    architecture: z.enum(['x86_64', 'arm64']).nullable(),
    usd,
  }),
  lambda: z.object({ requests: z.number().int().min(0), gbSeconds: quantity, usd }),
  stepFunctions: z.object({ stateTransitions: z.number().int().min(0), usd }),
});

/**
 * What the container sends with SendTaskSuccess at the end of a turn. The status decides which
 * other fields must be there, because the workflow reads them with JSONPath.
 */
export const turnOutputSchema = z
  .object({
    status: z.enum([RunStatus.Completed, RunStatus.Failed, RunStatus.AwaitingApproval]),
    approvals: z.array(approvalRequestSchema).optional(),
    answer: z.string().optional(),
    /** Reference of the full result in the payload store, when it is too large to travel. */
    resultRef: z.string().optional(),
    error: errorInfoSchema.optional(),
    usage: z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) }),
    /** The whole cost so far in USD; null when a model has no price. */
    costUsd: usd.nullable(),
    /** The cost so far, line by line. */
    cost: costBreakdownSchema,
    iterations: z.number().int().min(0),
  })
  .superRefine((turn, context) => {
    if (turn.status === RunStatus.Completed && turn.answer === undefined) {
      context.addIssue({ code: 'custom', path: ['answer'], message: 'a COMPLETED turn needs an answer' });
    }
    if (turn.status === RunStatus.Failed && turn.error === undefined) {
      context.addIssue({ code: 'custom', path: ['error'], message: 'a FAILED turn needs an error' });
    }
    if (turn.status === RunStatus.AwaitingApproval && (turn.approvals === undefined || turn.approvals.length === 0)) {
      context.addIssue({ code: 'custom', path: ['approvals'], message: 'an AWAITING_APPROVAL turn needs at least one approval' });
    }
  });
export type TurnOutput = z.infer<typeof turnOutputSchema>;

/** What a human sends back with SendTaskSuccess for one approval. */
export const approvalResponseSchema = z.object({
  approved: z.boolean(),
  /** Edited arguments to run the tool with instead of the model's. */
  args: plainObject.optional(),
  reason: z.string().optional(),
});
export type ApprovalResponse = z.infer<typeof approvalResponseSchema>;

/**
 * The outcome of one iteration of the approval Map, exactly as the workflow produces it: the
 * approval with either the raw SendTaskSuccess output or the caught error.
 */
export const approvalResultSchema = z
  .object({
    approval: approvalRequestSchema,
    response: z.unknown().optional(),
    error: z.object({ Error: z.string(), Cause: z.string().nullish() }).optional(),
  })
  .refine((result) => 'response' in result || result.error !== undefined, {
    message: 'an approval result needs a response or an error',
  });
export type ApprovalResult = z.infer<typeof approvalResultSchema>;

/** The payload the `RequestApproval` state sends to the approval Lambda. */
export const approvalLambdaPayloadSchema = z.object({
  [ApprovalPayloadField.TaskToken]: z.string().min(1),
  [ApprovalPayloadField.ExecutionArn]: z.string().min(1),
  [ApprovalPayloadField.Agent]: z.string().min(1),
  [ApprovalPayloadField.Approval]: approvalRequestSchema,
});
export type ApprovalLambdaPayload = z.infer<typeof approvalLambdaPayloadSchema>;

/** A decision in the shape the runner applies. */
export interface NormalizedDecision {
  readonly approvalId: string;
  readonly callId: string;
  readonly outcome: DecisionOutcome;
  /** Edited arguments, only when approved with edits. */
  readonly args?: Record<string, unknown>;
  readonly reason?: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns one approval result of the workflow into a decision: a `States.Timeout` error is a
 * timeout, any other error (SendTaskFailure) a rejection with its cause as reason, a response
 * with `approved: true` an approval (optionally with edited `args`), any other response a rejection.
 *
 * @example
 * normalizeDecision({ approval, response: { approved: true, reason: 'fine' } });
 * // { approvalId: approval.approvalId, callId: approval.callId, outcome: 'approved', reason: 'fine' }
 */
export function normalizeDecision(result: ApprovalResult): NormalizedDecision {
  const { approvalId, callId } = result.approval;
  if (result.error !== undefined) {
    if (result.error.Error === StatesError.Timeout) return { approvalId, callId, outcome: DecisionOutcome.Timeout };
    const reason = result.error.Cause || result.error.Error;
    return { approvalId, callId, outcome: DecisionOutcome.Rejected, reason };
  }
  const response = isPlainObject(result.response) ? result.response : {};
  const reason = typeof response.reason === 'string' ? response.reason : undefined;
  if (response.approved === true) {
    const args = isPlainObject(response.args) ? response.args : undefined;
    return { approvalId, callId, outcome: DecisionOutcome.Approved, ...(args ? { args } : {}), ...(reason !== undefined ? { reason } : {}) };
  }
  return { approvalId, callId, outcome: DecisionOutcome.Rejected, ...(reason !== undefined ? { reason } : {}) };
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length === 0 ? undefined : issue.path.map(String).join('.');
  const detail = result.error.issues.map((each) => `${each.path.length === 0 ? '(root)' : each.path.map(String).join('.')}: ${each.message}`).join('; ');
  throw new InvalidInputError(`Invalid ${what}: ${detail}`, { field, cause: result.error });
}

/**
 * Validates an execution input.
 *
 * @throws InvalidInputError naming the first bad field.
 * @example
 * parseExecutionInput({ task: 'Summarize the report' }); // { task: 'Summarize the report' }
 */
export function parseExecutionInput(value: unknown): ExecutionInput {
  return parseWith(executionInputSchema, value, 'execution input');
}

/**
 * Validates a turn output before it is sent to Step Functions.
 *
 * @throws InvalidInputError naming the first bad field.
 * @example
 * parseTurnOutput({ status: 'COMPLETED', answer: '42', usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0, cost, iterations: 1 });
 */
export function parseTurnOutput(value: unknown): TurnOutput {
  return parseWith(turnOutputSchema, value, 'turn output');
}

/**
 * Validates the approval results of `STEPWISE_DECISIONS` (already JSON-parsed).
 *
 * @throws InvalidInputError naming the first bad element and field.
 * @example
 * parseApprovalResults(JSON.parse(process.env.STEPWISE_DECISIONS ?? '[]')).map(normalizeDecision);
 */
export function parseApprovalResults(value: unknown): ApprovalResult[] {
  return parseWith(z.array(approvalResultSchema), value, 'approval decisions');
}
