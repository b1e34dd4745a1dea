import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestBodyLimits, SfnErrorCode } from '../constants';
import { LocalApiError, sfnError } from '../errors';
import { BodyTooLargeError, hasBody, readBody, sendJson, sendTooLarge } from '../http/http-io';
import type { SfnOperation } from './operations';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AWSStepFunctions.';

/** Sends an AWS JSON 1.0 error: the SDK reads the code from `__type` (or the header) and raises its typed exception. */
export function sendSfnError(response: ServerResponse, error: unknown, log: (line: string) => void, headers: Record<string, string> = {}): void {
  if (error instanceof BodyTooLargeError) {
    sendTooLarge(response, { __type: SfnErrorCode.ValidationException, message: error.message }, { 'x-amzn-ErrorType': SfnErrorCode.ValidationException }, CONTENT_TYPE);
    return;
  }
  const apiError =
    error instanceof LocalApiError
      ? error
      : new LocalApiError('InternalFailure' as SfnErrorCode, `The local engine failed: ${error instanceof Error ? error.message : String(error)}`, {
          statusCode: 500,
        });
  if (!(error instanceof LocalApiError)) log(`Step Functions API error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  sendJson(response, apiError.statusCode, { __type: apiError.code, message: apiError.message }, { 'x-amzn-ErrorType': apiError.code, ...headers }, CONTENT_TYPE);
}

/**
 * Serves the Step Functions API in the AWS JSON 1.0 protocol: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>`. The SigV4 `Authorization` header is accepted
 * without being checked: the engine listens on loopback only and has no accounts.
 */
export function sfnRequestHandler(operations: Record<string, SfnOperation>, log: (line: string) => void) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
      // Own keys only: `__proto__`, `constructor` or `toString` must not reach Object.prototype.
      const operation = name !== undefined && Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (!operation) {
        // Refused before the body is read: the connection closes, and no byte of it is taken in.
        const unknown = sfnError(SfnErrorCode.UnknownOperation, `Unknown operation: '${target}'. The local engine serves ${Object.keys(operations).join(', ')}`);
        sendSfnError(response, unknown, log, hasBody(request) ? { Connection: 'close' } : {});
        return;
      }
      const body = await readBody(request, RequestBodyLimits.sfnApiBytes);
      let parsed: unknown = {};
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw sfnError(SfnErrorCode.SerializationException, 'The request body is not valid JSON');
        }
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw sfnError(SfnErrorCode.SerializationException, 'The request body must be a JSON object');
      const result = await operation(parsed as Record<string, unknown>);
      sendJson(response, 200, result ?? {}, {}, CONTENT_TYPE);
    } catch (error) {
      sendSfnError(response, error, log);
    }
  };
}
