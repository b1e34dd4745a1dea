import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LambdaErrorCode, LocalDefaults, RequestBodyLimits } from '../constants';
import { LocalApiError } from '../errors';
import { BodyTooLargeError, hasBody, readBody, sendJson, sendTooLarge } from '../http/http-io';
import type { ApprovalGate } from './approval-gate';
import type { LambdaHandler, LambdaRegistry } from './lambda-registry';

/**
 * Functions of earlier versions of the engine's code, for the executions that started on them:
 * an agent's invocation (its envelope names its execution) runs the tool as it was when its
 * execution started, even when the current code changed or removed it.
 */
export interface PinnedFunctions {
  /** Whether an earlier version still in use has a function of this name. */
  has(name: string): boolean;
  /** The handler the invoking execution's version has for this function, when that is not the current version. */
  forEvent(name: string, event: unknown): LambdaHandler | undefined;
}

/** `/2015-03-31/functions/{name}/invocations` */
export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

function sendLambdaError(response: ServerResponse, error: LocalApiError, headers: Record<string, string> = {}): void {
  sendJson(response, error.statusCode, { Type: 'User', message: error.message }, { 'x-amzn-ErrorType': error.code, ...headers });
}

/**
 * The `X-Amz-Log-Result` AWS sends for `LogType: Tail`: the base64 log tail, ending with the REPORT
 * line (duration, billed duration in whole milliseconds, memory size).
 */
function logTail(durationMs: number): string {
  const requestId = randomUUID();
  const lines = [
    `START RequestId: ${requestId} Version: $LATEST`,
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${LocalDefaults.functionMemoryMiB} MB\tMax Memory Used: ${Math.ceil(process.memoryUsage().rss / 1_048_576)} MB\t`,
  ];
  return Buffer.from(`${lines.join('\n')}\n`).toString('base64');
}

/**
 * Serves Lambda `Invoke` (request/response) for the registered local functions. With a `gate`, a
 * tool whose call needs approval runs only as the approved call of a running execution (403
 * `AccessDeniedException` otherwise, as AWS answers an invoker it does not allow). A function that
 * throws answers like AWS: HTTP 200, `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage, trace }`.
 * `X-Amz-Log-Type: Tail` gets the log tail's REPORT line in `X-Amz-Log-Result`, as on AWS.
 */
export function lambdaInvokeHandler(lambdas: LambdaRegistry, log: (line: string) => void, gate?: ApprovalGate, pinned?: PinnedFunctions) {
  return async (request: IncomingMessage, response: ServerResponse, encodedName: string): Promise<void> => {
    const name = decodeURIComponent(encodedName);
    let handler: LambdaHandler | undefined;
    try {
      handler = lambdas.resolve(name);
    } catch (error) {
      if (!pinned?.has(name)) {
        // Answered before the body is read: the connection closes, and no byte of it is taken in.
        sendLambdaError(response, error as LocalApiError, hasBody(request) ? { Connection: 'close' } : {});
        return;
      }
    }
    let body: Buffer;
    try {
      body = await readBody(request, RequestBodyLimits.lambdaInvokeBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendTooLarge(response, { Type: 'User', message: `Request must be smaller than ${error.limitBytes} bytes for the InvokeFunction operation` }, { 'x-amzn-ErrorType': LambdaErrorCode.RequestTooLarge });
      return;
    }
    let event: unknown = null;
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch {
        sendLambdaError(response, new LocalApiError(LambdaErrorCode.InvalidRequestContent, 'Could not parse request body into json', { statusCode: 400 }));
        return;
      }
    }
    // An execution's own calls run the tools of the code it started on.
    handler = pinned?.forEvent(name, event) ?? handler;
    if (!handler) {
      sendLambdaError(response, new LocalApiError(LambdaErrorCode.ResourceNotFound, `Function not found: ${name}. Functions of the local engine: ${lambdas.names().join(', ')}`, { statusCode: 404 }));
      return;
    }
    // A failed check refuses too: a tool that needs approval never runs because a check broke.
    const refusal = gate ? await gate(name, event).catch((error: unknown) => `the approval check failed (${error instanceof Error ? error.message : String(error)})`) : undefined;
    if (refusal) {
      log(`Refused invoking ${name}: ${refusal}`);
      sendLambdaError(response, new LocalApiError(LambdaErrorCode.AccessDenied, refusal, { statusCode: 403 }));
      return;
    }
    const tail = String(request.headers['x-amz-log-type'] ?? '').toLowerCase() === 'tail';
    const started = performance.now();
    const logHeader = (): Record<string, string> => (tail ? { 'X-Amz-Log-Result': logTail(performance.now() - started) } : {});
    try {
      const result = await handler(event);
      sendJson(response, 200, result === undefined ? null : result, { 'X-Amz-Executed-Version': '$LATEST', ...logHeader() });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      log(`Lambda ${name} failed: ${failure.name}: ${failure.message}`);
      sendJson(
        response,
        200,
        { errorType: failure.name || 'Error', errorMessage: failure.message, trace: (failure.stack ?? '').split('\n').slice(1).map((line) => line.trim()) },
        { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST', ...logHeader() },
      );
    }
  };
}
