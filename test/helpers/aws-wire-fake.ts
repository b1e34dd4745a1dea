import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { signatureProblem } from './sigv4-check';

/** The credentials a fake hands its clients (through `env`) and checks their signatures with. */
export const WIRE_CREDENTIALS = { accessKeyId: 'AKIDSTEPWISEWIRE', secretAccessKey: 'stepwise-wire-secret' } as const;
export const WIRE_REGION = 'us-east-1';

/** An error the service answers with: its code, message and HTTP status. */
export class AwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** One Step Functions action that arrived (AWS JSON 1.0). */
export interface ActionCall {
  readonly action: string;
  readonly input: Record<string, unknown>;
}

/** One Lambda invocation that arrived. */
export interface InvocationCall {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType?: string;
  readonly logType?: string;
  readonly payload: unknown;
}

/** What an invocation handler answers: the function's payload (JSON), and what else Lambda sends. */
export interface InvocationAnswer {
  readonly payload: unknown;
  readonly functionError?: string;
  readonly logResult?: string;
}

/** Ends the connection without an answer, as a dying host or a reset does. */
export const DROP = Symbol('drop the connection');

type ActionHandler = (input: Record<string, unknown>) => unknown | Promise<unknown>;
type InvocationHandler = (call: InvocationCall) => InvocationAnswer | typeof DROP | Promise<InvocationAnswer | typeof DROP>;

/**
 * Step Functions and Lambda at the wire, on 127.0.0.1: checks each request's SigV4 signature (the
 * way AWS recomputes it), then answers Step Functions actions and Lambda invocations with the
 * handlers a test sets, as the services encode answers and errors. `env` is what a client needs to
 * reach it (region, credentials, `AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_LAMBDA`).
 */
export interface AwsWireFake {
  readonly env: Readonly<Record<string, string>>;
  readonly actions: ActionCall[];
  readonly invocations: InvocationCall[];
  /** Requests refused for a missing or wrong signature, and why. */
  readonly refused: string[];
  /** The raw requests, in order: method, path and headers. */
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  onAction(action: string, handler: ActionHandler): void;
  onInvoke(handler: InvocationHandler): void;
  /** Forgets the calls and the handlers (Step Functions heartbeats, successes and failures are answered with `{}` until set). */
  reset(): void;
  close(): Promise<void>;
}

function sendFault(response: ServerResponse, fault: AwsFault, json10: boolean): void {
  response.writeHead(fault.status, {
    'content-type': json10 ? 'application/x-amz-json-1.0' : 'application/json',
    'x-amzn-errortype': `${fault.code}:http://internal.amazon.com/coral/com.amazonaws.stepwise/`,
    'x-amzn-requestid': 'wire-request',
  });
  response.end(JSON.stringify(json10 ? { __type: `com.amazonaws.swf.service.model.v20120816#${fault.code}`, message: fault.message } : { Type: 'User', message: fault.message }));
}

/** Starts the fake on 127.0.0.1; close it after the tests. */
export async function startAwsWireFake(): Promise<AwsWireFake> {
  const actions: ActionCall[] = [];
  const invocations: InvocationCall[] = [];
  const refused: string[] = [];
  const requests: AwsWireFake['requests'] = [];
  const handlers = new Map<string, ActionHandler>();
  let invoke: InvocationHandler | undefined;
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = new URL(request.url!, `http://${request.headers.host}`);
        requests.push({ method: request.method!, path: request.url!, headers: request.headers });
        const problem = await signatureProblem(request, { service: url.pathname === '/' ? 'states' : 'lambda', region: WIRE_REGION, credentials: WIRE_CREDENTIALS, body });
        if (problem) {
          refused.push(problem);
          sendFault(response, new AwsFault('InvalidSignatureException', problem, 403), url.pathname === '/');
          return;
        }
        if (url.pathname === '/') {
          const target = String(request.headers['x-amz-target'] ?? '');
          const action = target.replace(/^AWSStepFunctions\./, '');
          const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
          actions.push({ action, input });
          try {
            const handler = handlers.get(action) ?? (/^SendTask/.test(action) ? () => ({}) : undefined);
            if (!handler) throw new AwsFault('UnknownOperationException', `the fake has no handler for ${action}`);
            const answer = await handler(input);
            response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer ?? {}));
          } catch (error) {
            sendFault(response, error instanceof AwsFault ? error : new AwsFault('ServiceException', String(error), 500), true);
          }
          return;
        }
        const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
        if (!invocation) {
          response.writeHead(404).end();
          return;
        }
        const text = body.toString('utf8');
        const call: InvocationCall = {
          functionName: decodeURIComponent(invocation[1]),
          ...(url.searchParams.has('Qualifier') ? { qualifier: url.searchParams.get('Qualifier')! } : {}),
          ...(request.headers['x-amz-invocation-type'] ? { invocationType: String(request.headers['x-amz-invocation-type']) } : {}),
          ...(request.headers['x-amz-log-type'] ? { logType: String(request.headers['x-amz-log-type']) } : {}),
          payload: text === '' ? null : JSON.parse(text),
        };
        invocations.push(call);
        try {
          if (!invoke) throw new AwsFault('ResourceNotFoundException', `Function not found: ${call.functionName}`, 404);
          const answer = await invoke(call);
          if (answer === DROP) {
            request.socket.destroy();
            return;
          }
          response.writeHead(200, {
            'content-type': 'application/json',
            ...(answer.functionError ? { 'x-amz-function-error': answer.functionError } : {}),
            ...(answer.logResult ? { 'x-amz-log-result': answer.logResult } : {}),
            'x-amz-executed-version': '$LATEST',
          });
          response.end(JSON.stringify(answer.payload));
        } catch (error) {
          sendFault(response, error instanceof AwsFault ? error : new AwsFault('ServiceException', String(error), 500), false);
        }
      })();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: {
      AWS_REGION: WIRE_REGION,
      AWS_ACCESS_KEY_ID: WIRE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: WIRE_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SFN: endpoint,
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
    },
    actions,
    invocations,
    refused,
    requests,
    onAction: (action, handler) => handlers.set(action, handler),
    onInvoke: (handler) => {
      invoke = handler;
    },
    reset: () => {
      actions.length = 0;
      invocations.length = 0;
      refused.length = 0;
      requests.length = 0;
      handlers.clear();
      invoke = undefined;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
