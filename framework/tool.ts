import { z } from 'zod';
import { Defaults } from './constants';
import { ConfigDefinitionError } from './errors';
import { toStrictJsonSchema, type JsonSchema } from './json-schema';
import { parseArguments } from './validation';
import type { Model } from './model';

/** Where the bundled tools read and write; resolved once at the edge (CLI, container, Lambda handler). */
export interface ToolWorkspace {
  /** Folder of `.md`/`.txt` (and `.csv`) documents that search and the text tools read. */
  readonly corpusDir: string;
  /** Folder where side-effecting tools (publish_report) write. */
  readonly outboxDir: string;
  /** An LLM the text tools may use instead of their offline algorithms; absent offline. */
  readonly model?: Model;
}

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  /** The call id the model gave (or the runner assigned). */
  readonly callId: string;
  /** Stable across retries and resumes of the same call (`executionId:callId`); side effects dedupe on it. */
  readonly idempotencyKey: string;
  /** The execution (run) this call belongs to. */
  readonly executionId: string;
  readonly workspace: ToolWorkspace;
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

/** What `defineTool` takes. */
export interface ToolOptions<Schema extends z.ZodObject, Result> {
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
  readonly execute: (args: z.output<Schema>, context: ToolContext) => Promise<Result> | Result;
}

const toolBrand = Symbol.for('stepwise.tool');

/** A defined tool. Plain data plus functions, so it survives being loaded by another module instance. */
export interface Tool<Schema extends z.ZodObject = z.ZodObject, Result = unknown> {
  readonly [toolBrand]: true;
  readonly name: string;
  readonly description: string;
  readonly parameters: Schema;
  /** Strict JSON Schema derived from `parameters`. */
  readonly jsonSchema: JsonSchema;
  readonly needsApproval: NeedsApproval<z.output<Schema>>;
  readonly timeoutMs: number;
  readonly handlesRejection: boolean;
  /** Validates `args` with the schema; throws `ToolArgumentsError` naming the field. */
  parse(args: unknown): z.output<Schema>;
  readonly execute: (args: z.output<Schema>, context: ToolContext) => Promise<Result> | Result;
}

/** Any tool, whatever its schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any, unknown>;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a typed tool. The zod schema gives the model its JSON Schema and validates arguments
 * before `execute` runs.
 *
 * @example
 * const add = defineTool({
 *   name: 'add',
 *   description: 'Adds two numbers',
 *   parameters: z.object({ a: z.number(), b: z.number() }),
 *   execute: ({ a, b }) => ({ sum: a + b }),
 * });
 */
export function defineTool<Schema extends z.ZodObject, Result>(options: ToolOptions<Schema, Result>): Tool<Schema, Result> {
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
