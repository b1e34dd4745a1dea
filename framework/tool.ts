import { z } from 'zod';
import { Defaults } from './constants';
import { ConfigDefinitionError, ToolContextMissingError } from './errors';
import { toStrictJsonSchema, type JsonSchema } from './json-schema';
import { parseArguments } from './validation';

/**
 * What a tool's `execute` receives besides its arguments. `TContext` is the type of `context`: what
 * the application gives its tools (clients, folders, settings), built once at the edge and passed
 * as `runAgent(agent, task, { context })`, `defineConfig({ context })` or
 * `toolHandler(tool, { context })`.
 */
export interface ToolContext<TContext = unknown> {
  /** The call id the model gave (or the runner assigned). */
  readonly callId: string;
  /** Stable across retries and resumes of the same call (`executionId:callId`); side effects dedupe on it. */
  readonly idempotencyKey: string;
  /** The execution (run) this call belongs to. */
  readonly executionId: string;
  /**
   * The application's context for its tools. Reading it when the run was given none throws
   * `ToolContextMissingError` naming the tool.
   */
  readonly context: TContext;
  /** Aborted when the run is aborted or the tool times out. */
  readonly signal: AbortSignal;
  /** Set when the call went through human approval: what was decided. */
  readonly approval?: ApprovalOutcome;
  /** Records what the call consumed on AWS, for the execution's cost; set by the runner. */
  readonly meter?: ToolMeter;
}

/** Where a tool reports what it consumed, for the execution's cost. */
export interface ToolMeter {
  /**
   * One Lambda invocation, with its billed duration and memory size (from the `REPORT` line of
   * its log tail); without a memory size only the request is counted.
   */
  lambdaInvoked(usage: { readonly billedMs: number; readonly memoryMiB?: number }): void;
}

/** The decision on a call that needed approval, as the tool sees it. */
export interface ApprovalOutcome {
  readonly approved: boolean;
  readonly outcome: 'approved' | 'rejected' | 'timeout';
  readonly reason?: string;
}

/** Whether a call needs a human's approval: always, never, or depending on its arguments. */
export type NeedsApproval<Args> = boolean | ((args: Args) => boolean | Promise<boolean>);

/**
 * What `defineTool` takes. `TContext` is inferred from the type given to `execute`'s second
 * parameter (`ToolContext<MyContext>`); a tool that does not say needs no context.
 */
export interface ToolOptions<Schema extends z.ZodObject, Result, TContext = unknown> {
  /** Unique within an agent; `^[a-zA-Z0-9_-]{1,64}$` as function-calling APIs require. */
  readonly name: string;
  /** Tells the model what the tool does and when to use it. */
  readonly description: string;
  /** The single source of the JSON Schema the model sees and of argument validation. */
  readonly parameters: Schema;
  /** @default false */
  readonly needsApproval?: NeedsApproval<z.output<Schema>>;
  /** @default 60000 */
  readonly timeoutMs?: number;
  /**
   * When true the tool still runs after a rejection or timeout, with `context.approval` saying so,
   * and its result is what the model sees (e.g. `request_approval` reports the decision).
   * @default false
   */
  readonly handlesRejection?: boolean;
  /**
   * Whether a call changes anything outside the run (sends, writes, publishes, pays). A call with
   * side effects is durably recorded as started before it runs, so that after a crash it is invoked
   * again with the same idempotency key instead of being forgotten or run under a new one. A
   * read-only tool (search, fetch, compute) may say `false`: it skips that write, and a crash while
   * it runs simply asks the model again. Say `false` only when running the call twice is harmless.
   * @default true
   */
  readonly sideEffects?: boolean;
  readonly execute: (args: z.output<Schema>, context: ToolContext<TContext>) => Promise<Result> | Result;
}

const toolBrand = Symbol.for('stepwise.tool');

/**
 * A defined tool. Plain data plus functions, so it survives being loaded by another module instance.
 * `TContext` is the context its `execute` needs (`unknown`: none).
 */
export interface Tool<Schema extends z.ZodObject = z.ZodObject, Result = unknown, TContext = unknown> {
  readonly [toolBrand]: true;
  readonly name: string;
  readonly description: string;
  readonly parameters: Schema;
  /** Strict JSON Schema derived from `parameters`. */
  readonly jsonSchema: JsonSchema;
  readonly needsApproval: NeedsApproval<z.output<Schema>>;
  readonly timeoutMs: number;
  readonly handlesRejection: boolean;
  /** Whether a call changes anything outside the run; see `ToolOptions.sideEffects`. */
  readonly sideEffects: boolean;
  /** Validates `args` with the schema; throws `ToolArgumentsError` naming the field. */
  parse(args: unknown): z.output<Schema>;
  readonly execute: (args: z.output<Schema>, context: ToolContext<TContext>) => Promise<Result> | Result;
}

/** Any tool, whatever its schema and context. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any, unknown, any>;

/**
 * A tool whose `execute` can run with a `TContext`: it needs that context, part of it, or none.
 * An agent's tools are all `ToolFor<TContext>` for the agent's context.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ToolFor<TContext> = Tool<any, unknown, TContext>;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a typed tool. The zod schema gives the model its JSON Schema and validates arguments
 * before `execute` runs. A tool that needs the application's context says so by the type of
 * `execute`'s second parameter, `ToolContext<MyContext>`; the agents using it then need that
 * context from `runAgent(…, { context })`, the config's `context`, or `toolHandler(…, { context })`.
 *
 * @example
 * interface Shop { readonly prices: ReadonlyMap<string, number> }
 * const price = defineTool({
 *   name: 'price',
 *   description: 'The price of an item',
 *   parameters: z.object({ item: z.string() }),
 *   sideEffects: false, // read-only: no durable "started" mark before it runs
 *   execute: ({ item }, { context }: ToolContext<Shop>) => ({ price: context.prices.get(item) ?? null }),
 * });
 */
export function defineTool<Schema extends z.ZodObject, Result, TContext = unknown>(options: ToolOptions<Schema, Result, TContext>): Tool<Schema, Result, TContext> {
  if (typeof options?.name !== 'string' || !TOOL_NAME.test(options.name)) {
    throw new ConfigDefinitionError(
      `Tool name ${JSON.stringify(options?.name)} is invalid: use 1-64 letters, digits, "_" or "-"`,
      { field: 'name' },
    );
  }
  if (typeof options.description !== 'string' || options.description.trim() === '') {
    throw new ConfigDefinitionError(`Tool "${options.name}" needs a description the model can read`, { field: 'description' });
  }
  if (!(options.parameters instanceof z.ZodObject) && (options.parameters as { type?: string } | undefined)?.type !== 'object') {
    throw new ConfigDefinitionError(`Tool "${options.name}": parameters must be a z.object(...)`, { field: 'parameters' });
  }
  if (typeof options.execute !== 'function') {
    throw new ConfigDefinitionError(`Tool "${options.name}" needs an execute function`, { field: 'execute' });
  }
  if (options.sideEffects !== undefined && typeof options.sideEffects !== 'boolean') {
    throw new ConfigDefinitionError(`Tool "${options.name}": sideEffects must be true or false, got ${JSON.stringify(options.sideEffects)}`, { field: 'sideEffects' });
  }
  const timeoutMs = options.timeoutMs ?? Defaults.toolTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigDefinitionError(`Tool "${options.name}": timeoutMs must be a positive number of milliseconds`, { field: 'timeoutMs' });
  }
  const jsonSchema = toStrictJsonSchema(options.name, options.parameters);
  return {
    [toolBrand]: true,
    name: options.name,
    description: options.description,
    parameters: options.parameters,
    jsonSchema,
    needsApproval: options.needsApproval ?? false,
    timeoutMs,
    handlesRejection: options.handlesRejection ?? false,
    sideEffects: options.sideEffects ?? true,
    parse: (args: unknown) => parseArguments(options.name, options.parameters, args),
    execute: options.execute,
  };
}

/** Whether a value is a tool made by `defineTool` (from any copy of the library). */
export function isTool(value: unknown): value is AnyTool {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[toolBrand] === true;
}

/** Evaluates a tool's `needsApproval` for validated arguments. */
export async function toolNeedsApproval(tool: AnyTool, args: unknown): Promise<boolean> {
  const rule = tool.needsApproval;
  return typeof rule === 'function' ? Boolean(await rule(args)) : rule === true;
}

/** The parts of a `ToolContext` other than the application's context. */
export type ToolCallContext = Omit<ToolContext, 'context'>;

/**
 * Completes a call's `ToolContext` with the application's context. Without one (`undefined`),
 * reading `context` throws `ToolContextMissingError` naming the tool, so a tool that needs a
 * context fails with what to fix rather than with a `TypeError` deep inside it; a tool that never
 * reads it runs as before.
 * @internal
 */
export function toolContextFor(toolName: string, call: ToolCallContext, context: unknown): ToolContext {
  if (context !== undefined) return { ...call, context };
  return Object.assign(new ContextlessCall(toolName), call) as ToolContext;
}

/**
 * A call's context when the run was given none: `context` is a getter on the prototype, so reading
 * it names the tool, and spreading the context (`{ ...ctx, signal }`) copies the call, not the error.
 */
class ContextlessCall {
  readonly #toolName: string;
  constructor(toolName: string) {
    this.#toolName = toolName;
  }
  get context(): never {
    throw new ToolContextMissingError(this.#toolName);
  }
}
