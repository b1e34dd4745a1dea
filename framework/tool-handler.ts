import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DecisionOutcome, ErrorName } from './constants';
import { ToolArgumentsError, ToolExecutionError, ToolTimeoutError, describeError, type ArgumentIssue } from './errors';
import type { AnyTool, ApprovalOutcome, ToolContext, ToolWorkspace } from './tool';
import { toArgumentIssues } from './validation';

/** Environment variables a tool Lambda reads once, when its handler is created. */
export const ToolWorkspaceEnv = {
  /** Folder of documents the text tools read. @default the corpus bundled with Stepwise */
  corpusDir: 'STEPWISE_CORPUS_DIR',
  /** Where side-effecting tools write: a folder, or `s3://bucket/prefix`. @default `/tmp/stepwise-outbox` */
  outboxDir: 'STEPWISE_OUTBOX_DIR',
} as const;

/** Workspace defaults used when the environment does not name a folder. */
export const ToolWorkspaceDefaults = {
  outboxDir: '/tmp/stepwise-outbox',
  /** The bundled corpus, relative to the root of the `stepwise` package. */
  corpusPathInPackage: path.join('tools', 'corpus'),
} as const;

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
export interface ToolHandlerOptions {
  /**
   * Where the tool reads and writes.
   * @default read once from `STEPWISE_CORPUS_DIR` / `STEPWISE_OUTBOX_DIR` when `toolHandler` is called
   */
  readonly workspace?: ToolWorkspace;
}

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
 * @example
 * // tools/add/handler.ts
 * export const handler = toolHandler(addTool);
 * // await handler({ arguments: { a: 1, b: 2 }, callId: 'c1', idempotencyKey: 'run-1:c1', executionId: 'run-1' })
 * // → { ok: true, result: { sum: 3 } }
 * // await handler({ a: 1, b: 2 }) — the tool's arguments alone, as `aws lambda invoke --payload` sends them
 * // → { ok: true, result: { sum: 3 } }
 */
export function toolHandler(tool: AnyTool, options: ToolHandlerOptions = {}): ToolLambdaHandler {
  const workspace = options.workspace ?? workspaceFromEnvironment(process.env);
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
      const result = await runWithTimeout(tool, args, invocation, workspace);
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
  workspace: ToolWorkspace,
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
  const context: ToolContext = {
    callId: invocation.callId,
    idempotencyKey: invocation.idempotencyKey,
    executionId: invocation.executionId,
    workspace,
    signal: controller.signal,
    ...(invocation.approval ? { approval: invocation.approval } : {}),
  };
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

/**
 * Resolves the tool workspace from environment variables (call it at an edge: a handler, the CLI).
 *
 * @example
 * const workspace = workspaceFromEnvironment(process.env);
 * // { corpusDir: '/…/stepwise/tools/corpus', outboxDir: '/tmp/stepwise-outbox' }
 */
export function workspaceFromEnvironment(env: Readonly<Record<string, string | undefined>>): ToolWorkspace {
  return {
    corpusDir: nonBlank(env[ToolWorkspaceEnv.corpusDir]) ?? bundledCorpusDir(),
    outboxDir: nonBlank(env[ToolWorkspaceEnv.outboxDir]) ?? ToolWorkspaceDefaults.outboxDir,
  };
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The folder of the corpus bundled with Stepwise (`tools/corpus` at the package root). Found by
 * walking up to the `package.json` named `stepwise`, so it works from sources and from `dist/`.
 * When the package root cannot be found (a bundled Lambda), it is `tools/corpus` under the
 * working directory, where a deployment copies it.
 *
 * @example
 * const corpusDir = bundledCorpusDir(); // '/home/me/stepwise/tools/corpus'
 */
export function bundledCorpusDir(): string {
  const root = findPackageRoot(__dirname, 'stepwise-agents');
  return path.join(root ?? process.cwd(), ToolWorkspaceDefaults.corpusPathInPackage);
}

function findPackageRoot(start: string, packageName: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === packageName) return dir;
      } catch {
        // An unreadable manifest belongs to some other package: keep walking up.
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
