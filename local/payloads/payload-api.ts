import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidInputError, PayloadNotFoundError, type PayloadStore } from '../../framework/internal';
import { PayloadKey } from '../../state-machines';
import { RequestBodyLimits } from '../constants';
import { BodyTooLargeError, readBody, sendJson, sendTooLarge } from '../http/http-io';

/** `POST /payloads`: upload a value, get its reference. */
export const PAYLOADS_PATH = /^\/payloads\/?$/;
/** `GET /payloads/<URI-encoded reference>`: the value behind a reference. */
export const PAYLOAD_PATH = /^\/payloads\/([^/]+)$/;

/**
 * The engine's payload store over HTTP, for clients that hold only its endpoint (the CLI answering
 * an approval with long edited arguments or a long reason, a console showing them). Uploads get a
 * fresh `uploads/` key: a client can add values but not replace the workflow's own.
 */
export function payloadApi(payloads: PayloadStore) {
  return {
    async upload(request: IncomingMessage, response: ServerResponse): Promise<void> {
      let body: Buffer;
      try {
        body = await readBody(request, RequestBodyLimits.payloadUploadBytes);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        sendTooLarge(response, { message: `${error.message}; store larger values elsewhere and send a smaller one` });
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(response, 400, { message: 'The payload must be one JSON value' });
        return;
      }
      const ref = await payloads.put(PayloadKey.upload(), value);
      sendJson(response, 201, { ref });
    },

    async read(_request: IncomingMessage, response: ServerResponse, encodedRef: string): Promise<void> {
      try {
        sendJson(response, 200, await payloads.get(decodeURIComponent(encodedRef)));
      } catch (error) {
        if (error instanceof PayloadNotFoundError) sendJson(response, 404, { message: error.message });
        else if (error instanceof InvalidInputError) sendJson(response, 400, { message: error.message });
        else throw error;
      }
    },
  };
}
