import type { IncomingMessage, ServerResponse } from 'node:http';
import { LambdaErrorCode } from '../constants';
import { LocalApiError } from '../errors';
import { readBody, sendJson } from '../http/http-io';
import type { ApprovalGate } from './approval-gate';
import type { LambdaRegistry } from './lambda-registry';

/** `/2015-03-31/functions/{name}/invocations` */
export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

function sendLambdaError(response: ServerResponse, error: LocalApiError): void {
  sendJson(response, error.statusCode, { Type: 'User', message: error.message }, { 'x-amzn-ErrorType': error.code });
}

/**
 * Serves Lambda `Invoke` (request/response) for the registered local functions. With a `gate`, a
 * tool whose call needs approval runs only as the approved call of a running execution (403
 * `AccessDeniedException` otherwise, as AWS answers an invoker it does not allow). A function that
 * throws answers like AWS: HTTP 200, `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage, trace }`.
 */
export function lambdaInvokeHandler(lambdas: LambdaRegistry, log: (line: string) => void, gate?: ApprovalGate) {
  return async (request: IncomingMessage, response: ServerResponse, encodedName: string): Promise<void> => {
    const body = await readBody(request);
    let handler;
    try {
      handler = lambdas.resolve(decodeURIComponent(encodedName));
    } catch (error) {
      sendLambdaError(response, error as LocalApiError);
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
    const name = decodeURIComponent(encodedName);
    // A failed check refuses too: a tool that needs approval never runs because a check broke.
    const refusal = gate ? await gate(name, event).catch((error: unknown) => `the approval check failed (${error instanceof Error ? error.message : String(error)})`) : undefined;
    if (refusal) {
      log(`Refused invoking ${name}: ${refusal}`);
      sendLambdaError(response, new LocalApiError(LambdaErrorCode.AccessDenied, refusal, { statusCode: 403 }));
      return;
    }
    try {
      const result = await handler(event);
      sendJson(response, 200, result === undefined ? null : result, { 'X-Amz-Executed-Version': '$LATEST' });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      log(`Lambda ${decodeURIComponent(encodedName)} failed: ${failure.name}: ${failure.message}`);
      sendJson(
        response,
        200,
        { errorType: failure.name || 'Error', errorMessage: failure.message, trace: (failure.stack ?? '').split('\n').slice(1).map((line) => line.trim()) },
        { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' },
      );
    }
  };
}
