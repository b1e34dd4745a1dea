import type { IncomingMessage, ServerResponse } from 'node:http';
import { LambdaErrorCode, RequestBodyLimits } from '../constants';
import { LocalApiError } from '../errors';
import { BodyTooLargeError, readBody, sendJson, sendTooLarge } from '../http/http-io';
import type { LambdaRegistry } from './lambda-registry';

/** `/2015-03-31/functions/{name}/invocations` */
export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

function sendLambdaError(response: ServerResponse, error: LocalApiError): void {
  sendJson(response, error.statusCode, { Type: 'User', message: error.message }, { 'x-amzn-ErrorType': error.code });
}

/**
 * Serves Lambda `Invoke` (request/response) for the registered local functions. A function that
 * throws answers like AWS: HTTP 200, `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage, trace }`.
 */
export function lambdaInvokeHandler(lambdas: LambdaRegistry, log: (line: string) => void) {
  return async (request: IncomingMessage, response: ServerResponse, encodedName: string): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(request, RequestBodyLimits.lambdaInvokeBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendTooLarge(response, { Type: 'User', message: `Request must be smaller than ${error.limitBytes} bytes for the InvokeFunction operation` }, { 'x-amzn-ErrorType': LambdaErrorCode.RequestTooLarge });
      return;
    }
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
