import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureProblem } from './sigv4-check';
import type { FunctionUrlRequest, OpenResponse } from '../../infra/functions/serve-execution-events';

/** The credentials the tests give the CLI (through the environment) and this server checks signatures with. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDSTEPWISETEST', secretAccessKey: 'stepwise-test-secret' } as const;

/** A Lambda function URL with AWS_IAM auth, played on loopback: SigV4 checked, then the streaming handler runs in process. */
export interface FunctionUrlServer {
  /** Base URL, ending with `/`, like a function URL. */
  readonly url: string;
  /** Every request the handler received, as the function URL would have delivered it. */
  readonly requests: FunctionUrlRequest[];
  /** Requests refused for a missing or wrong signature. */
  readonly refused: string[];
  close(): Promise<void>;
}

/**
 * Serves `handler` (the events endpoint's streaming function) on 127.0.0.1 the way a function
 * URL in RESPONSE_STREAM mode with AWS_IAM auth would: refuses unsigned or wrongly signed
 * requests with 403, turns the HTTP request into the function URL event, and streams the
 * handler's response as it writes it.
 */
export async function startFunctionUrlServer(handler: (request: FunctionUrlRequest, open: OpenResponse) => Promise<void>, region: string): Promise<FunctionUrlServer> {
  const requests: FunctionUrlRequest[] = [];
  const refused: string[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const problem = await signatureProblem(request, { service: 'lambda', region, credentials: TEST_CREDENTIALS });
      if (problem) {
        refused.push(problem);
        response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: `Forbidden: ${problem}` }));
        return;
      }
      const [rawPath, rawQueryString = ''] = request.url!.split('?');
      const event: FunctionUrlRequest = {
        rawPath,
        rawQueryString,
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : value])),
        requestContext: { http: { method: request.method! }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/tester' } } },
      };
      requests.push(event);
      await handler(event, (head) => {
        response.writeHead(head.statusCode, head.headers);
        response.flushHeaders();
        return response;
      });
    })().catch((error: Error) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
