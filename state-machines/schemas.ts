import { z } from 'zod';
import { DecisionOutcome, RunStatus } from '../framework/constants';
import { InvalidInputError } from '../framework/errors';
import { isPayloadRef } from '../framework/stores/payload-store';
import { ApprovalPayloadField, DecisionPayloadField, MAX_TASK_TIMEOUT_SECONDS } from './constants';

const plainObject = z.record(z.string(), z.unknown());

/**
 * The input of an agent execution, as given to StartExecution. Unknown keys are rejected. Its size
 * is bounded by StartExecution (262,144 bytes), not here: the container reads it with
 * DescribeExecution, so nothing else has to carry it.
 */
export const executionInputSchema = z.strictObject({
  /** What the agent should do. */
  task: z.string().trim().min(1, 'task must not be empty'),
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

const payloadRefSchema = z.string().refine(isPayloadRef, { message: 'must be a payload reference ("stepwise-payload:<key>")' });

/** Approval ids become payload keys and file names: letters, digits and `._:=+@-`. */
const approvalIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:=+@-]{0,127}$/, 'approvalId must be 1-128 letters, digits or "._:=+@-"');

/**
 * One tool call waiting for a human, as the container reports it in its turn output (one item of
 * the approval Map). Small arguments travel inline (`args`); long ones by reference (`argsRef` to
 * the payload store, with `argsPreview` for people), so a turn output stays bounded.
 */
export const approvalRequestSchema = z
  .object({
    approvalId: approvalIdSchema,
    callId: z.string().min(1),
    tool: z.string().min(1),
    args: plainObject.optional(),
    argsRef: payloadRefSchema.optional(),
    /** The start of the arguments' JSON, for people, when they travel by reference. */
    argsPreview: z.string().optional(),
    /** What the model said it was doing when it asked for the call (cut, with a note, when long). */
    reasoning: z.string(),
    timeoutSeconds: z.number().int().min(1).max(MAX_TASK_TIMEOUT_SECONDS),
    requestedAt: z.string().optional(),
  })
  .superRefine((approval, context) => {
    if ((approval.args === undefined) === (approval.argsRef === undefined)) {
      context.addIssue({ code: 'custom', path: ['args'], message: 'an approval carries its arguments either inline (args) or by reference (argsRef), exactly one of them' });
    }
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
    /**
     * A COMPLETED turn always has it: the payload reference of the full answer when `answer` is
     * only its preview, else null. (`ShapeResult` copies it, and a JSONPath must always resolve.)
     */
    resultRef: payloadRefSchema.nullable().optional(),
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
    if (turn.status === RunStatus.Completed && turn.resultRef === undefined) {
      context.addIssue({ code: 'custom', path: ['resultRef'], message: 'a COMPLETED turn needs resultRef (null when the answer is complete)' });
    }
    if (turn.status === RunStatus.Failed && turn.error === undefined) {
      context.addIssue({ code: 'custom', path: ['error'], message: 'a FAILED turn needs an error' });
    }
    if (turn.status === RunStatus.AwaitingApproval && (turn.approvals === undefined || turn.approvals.length === 0)) {
      context.addIssue({ code: 'custom', path: ['approvals'], message: 'an AWAITING_APPROVAL turn needs at least one approval' });
    }
  });
export type TurnOutput = z.infer<typeof turnOutputSchema>;

/**
 * What an approver sends back with SendTaskSuccess for one approval. `approved: false` is a
 * rejection too (it is how a rejection whose reason is too long for SendTaskFailure's cause
 * travels). Long edited arguments and reasons travel as payload references.
 */
export const approvalResponseSchema = z.object({
  approved: z.boolean(),
  /** Edited arguments to run the tool with instead of the model's. */
  args: plainObject.optional(),
  argsRef: payloadRefSchema.optional(),
  reason: z.string().optional(),
  reasonRef: payloadRefSchema.optional(),
});
export type ApprovalResponse = z.infer<typeof approvalResponseSchema>;

/** How one approval ended for the workflow: the SendTaskSuccess output, or the error the task failed with. */
export const approvalAnswerSchema = z.union([
  z.object({ response: z.unknown() }).refine((answer) => 'response' in answer, { message: 'an answer needs a response' }),
  z.object({ Error: z.string(), Cause: z.string().nullish() }),
]);
export type ApprovalAnswer = z.infer<typeof approvalAnswerSchema>;

/** The payload the `RecordDecision` state sends to the decision recorder. */
export const decisionPayloadSchema = z.object({
  [DecisionPayloadField.ExecutionArn]: z.string().min(1),
  [DecisionPayloadField.Agent]: z.string().min(1),
  [DecisionPayloadField.Approval]: approvalRequestSchema,
  [DecisionPayloadField.Answer]: approvalAnswerSchema,
});
export type DecisionPayload = z.infer<typeof decisionPayloadSchema>;

/** The payload the `RequestApproval` state sends to the approval Lambda. */
export const approvalLambdaPayloadSchema = z.object({
  [ApprovalPayloadField.TaskToken]: z.string().min(1),
  [ApprovalPayloadField.ExecutionArn]: z.string().min(1),
  [ApprovalPayloadField.Agent]: z.string().min(1),
  [ApprovalPayloadField.Approval]: approvalRequestSchema,
});
export type ApprovalLambdaPayload = z.infer<typeof approvalLambdaPayloadSchema>;

/**
 * A decision as the workflow stores it (payload key `decisions/<approvalId>`) and the container
 * reads it. Long edited arguments and reasons stay references; the container resolves them.
 */
export const storedDecisionSchema = z.object({
  approvalId: approvalIdSchema,
  callId: z.string().min(1),
  outcome: z.enum([DecisionOutcome.Approved, DecisionOutcome.Rejected, DecisionOutcome.Timeout]),
  /** Edited arguments, only when approved with edits. */
  args: plainObject.optional(),
  argsRef: payloadRefSchema.optional(),
  reason: z.string().optional(),
  reasonRef: payloadRefSchema.optional(),
  decidedAt: z.string(),
});
export type StoredDecision = z.infer<typeof storedDecisionSchema>;

/** A decision in the shape the runner applies: references resolved. */
export interface NormalizedDecision {
  readonly approvalId: string;
  readonly callId: string;
  readonly outcome: DecisionOutcome;
  /** Edited arguments, only when approved with edits. */
  readonly args?: Record<string, unknown>;
  readonly reason?: string;
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
 * Validates what the `RecordDecision` state sends to the decision recorder.
 *
 * @throws InvalidInputError naming the first bad field (never its value: the arguments may be private).
 * @example
 * const { approval, answer } = parseDecisionPayload(event);
 */
export function parseDecisionPayload(value: unknown): DecisionPayload {
  return parseWith(decisionPayloadSchema, value, 'decision payload');
}
