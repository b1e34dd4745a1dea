import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { z } from 'zod';
import type { LambdaInvokeApi, LambdaInvokeInput, LambdaInvokeOutput } from './aws/lambda-invoke-api';
import { RunAbortedError, ToolExecutionError, ToolOutcomeUnknownError } from './errors';
import { defineTool, type AnyTool, type NeedsApproval, type Tool, type ToolContext } from './tool';
import type { ToolInvocationEvent } from './tool-handler';

/** What `lambdaTool` takes: a tool definition without `execute`, plus the function to invoke. */
export interface LambdaToolOptions<Schema extends z.ZodObject> {
  /** Unique within an agent; `^[a-zA-Z0-9_-]{1,64}$`. */
  readonly name: string;
  readonly description: string;
  /** Validates arguments before the function is invoked (the handler validates them again). */
  readonly parameters: Schema;
  /** @default false */
  readonly needsApproval?: NeedsApproval<z.output<Schema>>;
  /** Time allowed for the whole invocation. @default 60000 */
  readonly timeoutMs?: number;
  /** @default false */
  readonly handlesRejection?: boolean;
  /** Whether a call changes anything outside the run (see `ToolOptions.sideEffects`). @default true */
  readonly sideEffects?: boolean;
  /** Name, ARN or partial ARN of the Lambda function. */
  readonly functionName: string;
  /** Version or alias to invoke. @default `$LATEST` (none sent) */
  readonly qualifier?: string;
  /**
   * The Lambda client to use: the AWS SDK's `LambdaClient`, or anything with its aggregated
   * client's `invoke` (`LambdaInvokeApi`: the SDK's `Lambda`, or the agent container's own client).
   * @default one `LambdaClient` per tool, created on first use from the standard AWS configuration
   * (`AWS_REGION`, `AWS_ENDPOINT_URL_LAMBDA`, …)
   */
  readonly client?: LambdaClient | LambdaInvokeApi;
}

/** Options of `lambdaToolFrom`. */
export interface LambdaTwinOptions {
  readonly functionName: string;
  /** @default `$LATEST` */
  readonly qualifier?: string;
  /** @default a `LambdaClient` from the standard AWS configuration */
  readonly client?: LambdaClient | LambdaInvokeApi;
}

/** The AWS SDK's Lambda client, loaded on first use: a container that invokes through `LambdaInvokeApi` never loads it. */
const lambdaSdk = (): typeof import('@aws-sdk/client-lambda') => require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');

const THROTTLING_ERRORS = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'EC2ThrottledException']);
const TIMEOUT_ERRORS = new Set(['AbortError', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Errors of the connection itself: the request may or may not have reached the function. */
const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'ERR_HTTP2_STREAM_ERROR']);

function isTransportError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSPORT_CODES.has(code)) return true;
  // The SDK's HTTP handler reports a dropped socket as a plain Error without an HTTP response.
  const message = error instanceof Error ? error.message : '';
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === undefined && /socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|network/i.test(message);
}

/**
 * Makes a deployed AWS Lambda function a typed tool. The function receives a
 * `ToolInvocationEvent` (arguments, call id, idempotency key, execution id) and should answer with
 * the envelope `toolHandler` produces; any other JSON payload is taken as the result itself.
 * Errors of the function (it ran and failed), throttling and missing functions become
 * `ToolExecutionError`, which the runner shows to the model. When nobody can know whether the
 * function ran (the connection failed or was reset, no answer within `timeoutMs`, a server fault
 * of the Lambda service) the error is `ToolOutcomeUnknownError`: the runner then ends the turn so
 * the same call is invoked again with the same idempotency key, instead of letting the model
 * retry it under a new call id.
 *
 * @example
 * const weather = lambdaTool({
 *   name: 'get_weather',
 *   description: 'Current weather for a city',
 *   parameters: z.object({ city: z.string() }),
 *   functionName: 'weather-tool',
 * });
 */
export function lambdaTool<Schema extends z.ZodObject, Result = unknown>(options: LambdaToolOptions<Schema>): Tool<Schema, Result> {
  let client = options.client;
  // The SDK is loaded only when no client was given.
  const getClient = (): LambdaClient | LambdaInvokeApi => (client ??= new (lambdaSdk().LambdaClient)({}));
  const tool: Tool<Schema, Result> = defineTool<Schema, Result>({
    name: options.name,
    description: options.description,
    parameters: options.parameters,
    needsApproval: options.needsApproval,
    timeoutMs: options.timeoutMs,
    handlesRejection: options.handlesRejection,
    sideEffects: options.sideEffects,
    execute: (args, context) => invokeFunction(tool, options, getClient(), args, context) as Promise<Result>,
  });
  return tool;
}

/**
 * The Lambda-backed twin of a tool made with `defineTool`: same name, description, schema,
 * approval rule, timeout and side effects, but `execute` invokes `functionName` (whose handler is
 * `toolHandler(tool)`).
 *
 * @example
 * const remoteSearch = lambdaToolFrom(searchDocuments, { functionName: 'stepwise-search-documents' });
 */
export function lambdaToolFrom<Schema extends z.ZodObject, Result>(tool: Tool<Schema, Result>, options: LambdaTwinOptions): Tool<Schema, Result> {
  return lambdaTool<Schema, Result>({
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    needsApproval: tool.needsApproval,
    timeoutMs: tool.timeoutMs,
    handlesRejection: tool.handlesRejection,
    sideEffects: tool.sideEffects,
    functionName: options.functionName,
    qualifier: options.qualifier,
    client: options.client,
  });
}

async function invokeFunction(
  tool: AnyTool,
  options: LambdaToolOptions<z.ZodObject>,
  client: LambdaClient | LambdaInvokeApi,
  args: unknown,
  context: ToolContext,
): Promise<unknown> {
  const event: ToolInvocationEvent = {
    arguments: args as Record<string, unknown>,
    callId: context.callId,
    idempotencyKey: context.idempotencyKey,
    executionId: context.executionId,
    ...(context.approval ? { approval: context.approval } : {}),
  };
  const deadline = AbortSignal.timeout(tool.timeoutMs);
  const started = performance.now();
  let output: LambdaInvokeOutput;
  try {
    const input: LambdaInvokeInput = {
      FunctionName: options.functionName,
      ...(options.qualifier ? { Qualifier: options.qualifier } : {}),
      InvocationType: 'RequestResponse',
      // The log tail ends with the REPORT line: billed duration and memory, for the execution's cost.
      LogType: 'Tail',
      Payload: Buffer.from(JSON.stringify(event)),
    };
    const abortSignal = AbortSignal.any([context.signal, deadline]);
    output =
      'invoke' in client
        ? await client.invoke(input, { abortSignal })
        : await client.send(new (lambdaSdk().InvokeCommand)(input), { abortSignal });
  } catch (error) {
    throw invocationError(tool, options.functionName, error, { deadline, runSignal: context.signal });
  }
  // Billed whether the function succeeded or not.
  context.meter?.lambdaInvoked(billedUsage(output.LogResult) ?? { billedMs: Math.ceil(performance.now() - started) });
  return resultFromOutput(tool, options.functionName, output);
}

/**
 * The billed duration and memory size in the `REPORT` line of a base64 log tail, e.g.
 * `REPORT RequestId: … Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 512 MB …`.
 */
export function billedUsage(logResult: string | undefined): { billedMs: number; memoryMiB: number } | undefined {
  if (!logResult) return undefined;
  const report = Buffer.from(logResult, 'base64').toString('utf8');
  const billed = /Billed Duration:\s*([\d.]+)\s*ms/.exec(report);
  const memory = /Memory Size:\s*(\d+)\s*MB/.exec(report);
  return billed && memory ? { billedMs: Number(billed[1]), memoryMiB: Number(memory[1]) } : undefined;
}

function invocationError(
  tool: AnyTool,
  functionName: string,
  error: unknown,
  signals: { deadline: AbortSignal; runSignal: AbortSignal },
): Error {
  if (signals.runSignal.aborted && !signals.deadline.aborted) {
    return new RunAbortedError(`tool "${tool.name}" was cancelled while invoking Lambda function "${functionName}"`);
  }
  const name = (error as { name?: unknown })?.name;
  const message = error instanceof Error ? error.message : String(error);
  const again = 'it may have run; the call is invoked again with the same idempotency key';
  if (signals.deadline.aborted || (typeof name === 'string' && TIMEOUT_ERRORS.has(name))) {
    return new ToolOutcomeUnknownError(tool.name, `Lambda function "${functionName}" did not answer within the tool's ${tool.timeoutMs} ms: ${again}`, { cause: error });
  }
  if (isTransportError(error)) {
    return new ToolOutcomeUnknownError(tool.name, `Invoking Lambda function "${functionName}" failed in transit (${String((error as { code?: unknown }).code ?? name ?? 'Error')}: ${message}): ${again}`, { cause: error });
  }
  if ((typeof name === 'string' && THROTTLING_ERRORS.has(name)) || (error as { $retryable?: { throttling?: boolean } })?.$retryable?.throttling) {
    return new ToolExecutionError(
      tool.name,
      `Lambda function "${functionName}" was throttled (${String(name)}): too many concurrent invocations. Try again shortly.`,
      { retryable: true, cause: error },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new ToolExecutionError(
      tool.name,
      `Lambda function "${functionName}" does not exist: deploy it or check the function name and region (${message})`,
      { cause: error },
    );
  }
  if ((error as { $fault?: unknown })?.$fault === 'server') {
    return new ToolOutcomeUnknownError(tool.name, `The Lambda service failed while invoking "${functionName}" (${String(name ?? 'Error')}: ${message}): ${again}`, { cause: error });
  }
  return new ToolExecutionError(tool.name, `Invoking Lambda function "${functionName}" failed (${String(name ?? 'Error')}): ${message}`, { cause: error });
}

function resultFromOutput(tool: AnyTool, functionName: string, output: LambdaInvokeOutput): unknown {
  const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
  let payload: unknown = null;
  try {
    payload = text === '' ? null : JSON.parse(text);
  } catch {
    if (!output.FunctionError) {
      throw new ToolExecutionError(tool.name, `Lambda function "${functionName}" returned a payload that is not JSON: ${text.slice(0, 200)}`);
    }
  }
  if (output.FunctionError) {
    const failure = (payload ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    const errorType = typeof failure.errorType === 'string' ? failure.errorType : output.FunctionError;
    const errorMessage = typeof failure.errorMessage === 'string' ? failure.errorMessage : text || 'no error message';
    // A Lambda sandbox timeout is worth retrying; a crash in the function's code usually is not.
    const retryable = /time[d]?\s?out/i.test(errorType);
    throw new ToolExecutionError(tool.name, `Lambda function "${functionName}" failed (${errorType}): ${errorMessage}`, { retryable });
  }
  if (isEnvelope(payload)) {
    if (payload.ok) return payload.result;
    throw new ToolExecutionError(tool.name, payload.error.message, { retryable: payload.error.retryable === true });
  }
  return payload;
}

type WireEnvelope = { ok: true; result: unknown } | { ok: false; error: { name?: unknown; message: string; retryable?: unknown } };

function isEnvelope(payload: unknown): payload is WireEnvelope {
  if (typeof payload !== 'object' || payload === null || !('ok' in payload)) return false;
  const candidate = payload as { ok: unknown; result?: unknown; error?: { message?: unknown } };
  if (candidate.ok === true) return 'result' in candidate;
  return candidate.ok === false && typeof candidate.error?.message === 'string';
}
