import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DecisionOutcome, ErrorName } from './constants';
import { ToolArgumentsError, ToolExecutionError, ToolTimeoutError, describeError, type ArgumentIssue } from './errors';
import { toolContextFor, type AnyTool, type ApprovalOutcome, type ToolFor } from './tool';
import { toArgumentIssues } from './validation';

/** What a tool Lambda is invoked with (by `lambdaTool`, the local engine or Step Functions). */
export interface ToolInvocationEvent {
  /** The tool's arguments as the model gave them; validated again inside the handler. */
  readonly arguments: Record<string, unknown>;
  readonly callId: string;
  /** Stable across retries of the same call; side-effecting tools dedupe on it. */
  readonly idempotencyKey: string;
  readonly executionId: string;
  /** Present when the call went through human approval (tools with `handlesRejection` read it). */
  readonly approval?: ApprovalOutcome;
}

/** Why a tool call failed, in a form the model can read and correct. */
export interface ToolErrorBody {
  /** The Stepwise error name (e.g. `Stepwise.ToolError`) or the thrown error's name. */
  readonly name: string;
  readonly message: string;
  /** Present when the arguments were invalid: one entry per bad field. */
  readonly issues?: readonly ArgumentIssue[];
  /** Whether the same call might succeed if tried again. */
  readonly retryable: boolean;
}

/** The one shape every tool Lambda returns: invalid input and tool errors are data, not Lambda failures. */
export type ToolResultEnvelope = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ToolErrorBody };

/** A Lambda handler for a tool. The Lambda context is not needed: the timeout comes from the tool. */
export type ToolLambdaHandler = (event: ToolInvocationEvent) => Promise<ToolResultEnvelope>;

/** Options of `toolHandler`. */
export interface ToolHandlerOptions<TContext = unknown> {
  /**
   * What the tool receives as `ctx.context`, built once at cold start (the handler module is the
   * edge: read the environment there), or a promise of it (awaited before the first call).
   * @default none: a tool that reads `ctx.context` fails with `ToolContextMissingError`
   */
  readonly context?: TContext | Promise<TContext>;
}

/** `toolHandler`'s options: required, with its context, for a tool that needs one. */
export type ToolHandlerArgs<TContext> = unknown extends TContext
  ? [options?: ToolHandlerOptions<TContext>]
  : [options: ToolHandlerOptions<TContext> & { readonly context: NoInfer<TContext> | Promise<NoInfer<TContext>> }];

const nonEmpty = z.string().min(1, 'must be a non-empty string');

/**
 * An agent's call comes in the envelope (`{ arguments, callId, idempotencyKey, executionId }`);
 * a person testing a function (`aws lambda invoke --payload '{"query":"…"}'`, the Lambda console)
 * sends the tool's arguments alone. An object that names `arguments` or `callId` is taken as an
 * envelope, and checked as one.
 */
function isEnvelope(event: unknown): boolean {
  return typeof event !== 'object' || event === null || Array.isArray(event) || Object.hasOwn(event, 'arguments') || Object.hasOwn(event, 'callId');
}

/** A direct invocation with the tool's arguments alone: a call of its own, with a fresh idempotency key. */
function directInvocation(args: unknown): ToolInvocationEvent {
  const callId = `direct-${randomUUID()}`;
  return { arguments: args as Record<string, unknown>, callId, idempotencyKey: callId, executionId: 'direct' };
}

const invocationEventSchema = z.object({
  arguments: z.record(z.string(), z.unknown()),
  callId: nonEmpty,
  idempotencyKey: nonEmpty,
  executionId: nonEmpty,
  approval: z
    .object({
      approved: z.boolean(),
      outcome: z.enum([DecisionOutcome.Approved, DecisionOutcome.Rejected, DecisionOutcome.Timeout]),
      reason: z.string().optional(),
    })
    .optional(),
});

/**
 * Turns a tool into an AWS Lambda handler. The arguments are validated with the tool's own zod
 * schema; bad arguments and errors the tool throws come back as `{ ok: false, error }` so the model
 * sees them as an observation it can act on, never as a Lambda `FunctionError`.
 *
 * A tool that needs a context gets it here, built once when the handler module loads (cold start).
 *
 * @example
 * // tools/add/handler.ts
 * export const handler = toolHandler(addTool);
 * // tools/price/handler.ts: the context is built at cold start, from the function's environment
 * export const handler = toolHandler(priceTool, { context: { prices: loadPrices(process.env.PRICE_LIST!) } });
 * // await handler({ arguments: { a: 1, b: 2 }, callId: 'c1', idempotencyKey: 'run-1:c1', executionId: 'run-1' })
 * // → { ok: true, result: { sum: 3 } }
 * // await handler({ a: 1, b: 2 }) — the tool's arguments alone, as `aws lambda invoke --payload` sends them
 * // → { ok: true, result: { sum: 3 } }
 */
export function toolHandler<TContext>(tool: ToolFor<TContext>, ...[options = {}]: ToolHandlerArgs<TContext>): ToolLambdaHandler {
  const context = Promise.resolve(options.context);
  // A context that fails to build fails every call with its reason, not an unhandled rejection at load.
  context.catch(() => undefined);
  return async (event) => {
    const parsedEvent = invocationEventSchema.safeParse(isEnvelope(event) ? event : directInvocation(event));
    if (!parsedEvent.success) {
      return {
        ok: false,
        error: {
          name: ErrorName.InvalidInput,
          message: `Tool "${tool.name}" was invoked with an event that is not a ToolInvocationEvent ({ arguments, callId, idempotencyKey, executionId }); fix the caller`,
          issues: toArgumentIssues(parsedEvent.error),
          retryable: false,
        },
      };
    }
    const invocation = parsedEvent.data;
    try {
      const args = tool.parse(invocation.arguments);
      const result = await runWithTimeout(tool as AnyTool, args, invocation, await context);
      return { ok: true, result: result === undefined ? null : result };
    } catch (error) {
      return { ok: false, error: toErrorBody(error) };
    }
  };
}

async function runWithTimeout(
  tool: AnyTool,
  args: unknown,
  invocation: z.output<typeof invocationEventSchema>,
  toolContext: unknown,
): Promise<unknown> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ToolTimeoutError(tool.name, tool.timeoutMs);
      controller.abort(error);
      reject(error);
    }, tool.timeoutMs);
  });
  const context = toolContextFor(
    tool.name,
    { callId: invocation.callId, idempotencyKey: invocation.idempotencyKey, executionId: invocation.executionId, signal: controller.signal, ...(invocation.approval ? { approval: invocation.approval } : {}) },
    toolContext,
  );
  try {
    return await Promise.race([Promise.resolve().then(() => tool.execute(args, context)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function toErrorBody(error: unknown): ToolErrorBody {
  const { name, message } = describeError(error);
  if (error instanceof ToolArgumentsError) return { name, message, issues: error.issues, retryable: false };
  const retryable = error instanceof ToolExecutionError ? error.retryable : false;
  return { name, message, retryable };
}
