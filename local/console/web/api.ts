/**
 * How the console talks to the engine: the Step Functions API (`POST /`, AWS JSON 1.0) for
 * everything a Step Functions client does, and the console's small JSON API for the rest. Every
 * request carries the per-engine secret from the page's `<meta>`; after an engine restart the
 * secret changes, and the page reads the new one from its own origin and retries once.
 */
import type { AgentsResponse, ApprovalsResponse, DecisionRequest, DecisionResponse, RunsResponse } from '../api-types';

const SECRET_HEADER = 'X-Stepwise-Console-Secret';
const SECRET_META = 'meta[name="stepwise-console-secret"]';

let secret = document.querySelector<HTMLMetaElement>(SECRET_META)?.content ?? '';

/** A refused or failed request: the engine's error code and message, and the fields of an invalid edit. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The engine could not be reached (stopped, restarting). */
export class EngineUnreachableError extends ApiError {
  constructor(cause: unknown) {
    super('EngineUnreachable', `The local engine does not answer (${cause instanceof Error ? cause.message : String(cause)}). Is "stepwise dev" still running?`, 0);
  }
}

let refreshing: Promise<void> | undefined;

/**
 * Reads the current secret from the engine's page (same origin: only this page's own script
 * can). Requests refused at the same moment share one refresh.
 */
function refreshSecret(): Promise<void> {
  refreshing ??= (async () => {
    try {
      const response = await fetch('/', { cache: 'no-store', credentials: 'omit' });
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      secret = page.querySelector<HTMLMetaElement>(SECRET_META)?.content || secret;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

async function send(url: string, init: RequestInit, retried = false): Promise<unknown> {
  let response: Response;
  const sentWith = secret;
  try {
    response = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store', headers: { ...(init.headers as Record<string, string>), [SECRET_HEADER]: sentWith } });
  } catch (error) {
    throw new EngineUnreachableError(error);
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { message: text };
  }
  if (response.ok) return body;
  const code = String(body.__type ?? response.headers.get('x-amzn-errortype') ?? `HTTP${response.status}`).split('#').pop() as string;
  const message = typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
  if (response.status === 403 && /console secret/i.test(message) && !retried) {
    // The engine restarted (a new secret): fetch it once, then send this request again.
    if (secret === sentWith) await refreshSecret().catch(() => undefined);
    if (secret !== sentWith) return send(url, init, true);
  }
  throw new ApiError(code, message, response.status, Array.isArray(body.issues) ? (body.issues as { path: string; message: string }[]) : []);
}

/**
 * Calls a Step Functions API operation on the engine, exactly as an SDK would.
 *
 * @example
 * const { executionArn } = await sfn<{ executionArn: string }>('StartExecution', { stateMachineArn, input });
 */
export function sfn<T>(operation: string, request: Record<string, unknown>): Promise<T> {
  return send('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${operation}` },
    body: JSON.stringify(request),
  }) as Promise<T>;
}

export const consoleApi = {
  agents: () => send('/console/api/agents', { method: 'GET' }) as Promise<AgentsResponse>,
  runs: () => send('/console/api/runs', { method: 'GET' }) as Promise<RunsResponse>,
  approvals: () => send('/console/api/approvals', { method: 'GET' }) as Promise<ApprovalsResponse>,
  decide: (approvalId: string, decision: DecisionRequest) =>
    send(`/console/api/approvals/${encodeURIComponent(approvalId)}/decision`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(decision),
    }) as Promise<DecisionResponse>,
};

/** An execution as DescribeExecution answers (times in epoch seconds). */
export interface DescribedExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveCount?: number;
  readonly redriveStatus?: string;
}

/** A history event as GetExecutionHistory answers (time in epoch seconds). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId?: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** Every page of an execution's history. */
export async function executionHistory(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn<{ events?: HistoryEvent[]; nextToken?: string }>('GetExecutionHistory', { executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
