import type { Writable } from 'node:stream';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { EventStreamProtocol, cursorFrom, streamExecutionEvents, type EventLog, type EventStreamEnd } from '../../framework/stores';
import { EventStreamLimits } from '../constants';

/** The part of a Lambda function URL request (payload format 2.0) the events endpoint reads. */
export interface FunctionUrlRequest {
  /** The path as the client sent it, percent-encoded. */
  readonly rawPath: string;
  readonly rawQueryString?: string;
  /** Header names in lower case, as function URLs deliver them. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly requestContext: {
    readonly http: { readonly method: string };
    readonly authorizer?: { readonly iam?: { readonly userArn?: string | null } | null } | null;
  };
}

/** The status line and headers of a response, given before its body. */
export interface ResponseHead {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
}

/**
 * Starts the response and returns the stream its body is written to. In Lambda this is
 * `awslambda.HttpResponseStream.from(responseStream, head)`; in a test, a loopback HTTP server's
 * `writeHead` and its response.
 */
export type OpenResponse = (head: ResponseHead) => Writable;

/** What the events endpoint needs, resolved once at the Lambda's edge. */
export interface ExecutionEventsEndpointConfig {
  readonly events: EventLog;
  readonly sfn: SFNClient;
  /** The state machines whose executions may be watched: the stack's agents, no others. */
  readonly stateMachineArns: readonly string[];
  /** @default EventStreamLimits.pollMs */
  readonly pollMs?: number;
  /** @default EventStreamDefaults.keepaliveMs */
  readonly keepaliveMs?: number;
  /** @default EventStreamLimits.statusIntervalMs */
  readonly statusIntervalMs?: number;
  /** @default EventStreamLimits.maxResponseBytes */
  readonly maxResponseBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The limits of one connection, known only when the invocation starts. */
export interface ConnectionLimits {
  /** Epoch milliseconds at which the stream ends (without the final message) so the client reconnects. */
  readonly stopAt?: number;
}

const EXECUTION_EVENTS_PATH = /^\/executions\/([^/]+)\/events\/?$/;
const EXECUTION_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([^:\s]{1,80})$/;

function sendJson(open: OpenResponse, statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  open({ statusCode, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } }).end(JSON.stringify(body));
}

/** Writes to `stream`, waiting while its buffer is full; resolves at once if the stream has closed. */
function writerFor(stream: Writable): (chunk: string) => Promise<void> {
  return async (chunk) => {
    if (stream.destroyed || stream.writableEnded) throw new Error('the client has gone');
    if (stream.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  };
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'ExecutionDoesNotExist' || name === 'StateMachineDoesNotExist';
}

/**
 * The deployed stack's events endpoint, `GET /executions/{executionArn}/events`, speaking the
 * protocol of the local engine (`EventStreamProtocol`): the execution's events after the
 * client's cursor (`Last-Event-ID` or `?after=`) as Server-Sent Events, then new ones as the
 * container writes them, until the execution has stopped (then `execution.ended`) or the
 * connection's limit (then the client reconnects). It reads the events table with a Query after
 * the cursor, the status with DescribeExecution, and streams only executions of the stack's own
 * state machines; the function URL in front of it authorizes every request with IAM (SigV4).
 *
 * @example
 * const serve = createExecutionEventsEndpoint({ events, sfn, stateMachineArns });
 * await serve(request, (head) => awslambda.HttpResponseStream.from(responseStream, head), { stopAt: Date.now() + 890_000 });
 */
export function createExecutionEventsEndpoint(config: ExecutionEventsEndpointConfig): (request: FunctionUrlRequest, open: OpenResponse, limits?: ConnectionLimits) => Promise<void> {
  const stateMachines = new Set(config.stateMachineArns);
  return async (request, open, limits = {}) => {
    const method = request.requestContext.http.method.toUpperCase();
    if (method !== 'GET') {
      sendJson(open, 405, { message: `${method} is not supported: GET /executions/{executionArn}/events` }, { allow: 'GET' });
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(request.rawPath);
    } catch {
      path = request.rawPath;
    }
    const route = EXECUTION_EVENTS_PATH.exec(path);
    if (!route) {
      sendJson(open, 404, { message: `No route ${path}: the events endpoint serves GET /executions/{executionArn}/events` });
      return;
    }
    const executionArn = route[1];
    const arn = EXECUTION_ARN.exec(executionArn);
    if (!arn) {
      sendJson(open, 400, { message: `"${executionArn}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`, field: 'executionArn' });
      return;
    }
    const [, partition, region, account, stateMachineName] = arn;
    // Executions of other state machines are not this stack's to show, even to a caller IAM let in.
    if (!stateMachines.has(`arn:${partition}:states:${region}:${account}:stateMachine:${stateMachineName}`)) {
      sendJson(open, 404, { message: `No execution ${executionArn} among this stack's agents`, field: 'executionArn' });
      return;
    }
    let firstStatus: string | undefined;
    try {
      firstStatus = (await config.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
    } catch (error) {
      if (isNotFound(error)) {
        sendJson(open, 404, { message: `No execution ${executionArn}`, field: 'executionArn' });
        return;
      }
      console.error(JSON.stringify({ message: 'events endpoint failed', executionArn, error: (error as Error).name, detail: (error as Error).message }));
      sendJson(open, 500, { message: 'The events endpoint could not read the execution; see its logs' });
      return;
    }

    const query = new URLSearchParams(request.rawQueryString ?? '');
    const after = cursorFrom(request.headers?.[EventStreamProtocol.lastEventIdHeader], query.get(EventStreamProtocol.afterParameter));
    const stream = open({
      statusCode: 200,
      headers: { 'content-type': EventStreamProtocol.contentType, 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
    const gone = new AbortController();
    stream.once('close', () => gone.abort());
    stream.once('error', () => gone.abort());
    const write = writerFor(stream);
    let end: EventStreamEnd | 'failed' = 'failed';
    try {
      await write(': stepwise execution events\n\n');
      end = await streamExecutionEvents({
        events: config.events,
        executionArn,
        after,
        follow: query.get(EventStreamProtocol.followParameter) !== 'false',
        status: async () => {
          if (firstStatus !== undefined) {
            const status = firstStatus;
            firstStatus = undefined;
            return status;
          }
          return (await config.sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? EventStreamProtocol.runningStatus;
        },
        write,
        signal: gone.signal,
        pollMs: config.pollMs ?? EventStreamLimits.pollMs,
        keepaliveMs: config.keepaliveMs,
        statusIntervalMs: config.statusIntervalMs ?? EventStreamLimits.statusIntervalMs,
        stopAt: limits.stopAt,
        maxBytes: config.maxResponseBytes ?? EventStreamLimits.maxResponseBytes,
        // Lambda's Node.js runtime is reported to hold a small write back until the next one.
        nudgeAfterEvents: true,
        now: config.now,
      });
    } catch (error) {
      // The head is sent: end the stream without the final message, and the client reconnects from its cursor.
      console.error(JSON.stringify({ message: 'events stream failed', executionArn, error: (error as Error).name, detail: (error as Error).message }));
    } finally {
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    }
    // Who watched what, and how the connection ended; never the events themselves.
    console.log(JSON.stringify({ message: 'events streamed', executionArn, after, end, by: request.requestContext.authorizer?.iam?.userArn ?? null }));
  };
}
