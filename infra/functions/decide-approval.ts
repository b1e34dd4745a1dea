import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { InvalidInputError, type ApprovalStore, type PayloadStore, type StoredApproval } from '../../framework/internal';
import { answerApproval, uploaderOf } from '../../state-machines';
import { APPROVAL_REASON_LIMIT } from '../constants';

/** The part of an API Gateway (REST, proxy integration) request the approval API reads. */
export interface ApiGatewayRequest {
  readonly httpMethod: string;
  /** The matched resource template, e.g. `/approvals/{approvalId}/approve`. */
  readonly resource: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly identity?: { readonly userArn?: string | null } };
}

/** What the approval API answers. */
export interface ApiGatewayResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A pending approval as the API shows it: everything but the task token. */
export type PublicApproval = Omit<StoredApproval, 'taskToken'>;

/** What the approval API needs, resolved once at the Lambda's edge. */
export interface ApprovalApiConfig {
  readonly approvals: ApprovalStore;
  readonly sfn: SFNClient;
  /** Where long arguments are read from and long edits and reasons are uploaded to. */
  readonly payloads: PayloadStore;
  /** @default the current time */
  readonly now?: () => Date;
}

/** The routes of the approval API (API Gateway resource templates). */
export const ApprovalRoute = {
  List: '/approvals',
  Get: '/approvals/{approvalId}',
  Approve: '/approvals/{approvalId}/approve',
  Reject: '/approvals/{approvalId}/reject',
} as const;

const REASON_LIMIT = APPROVAL_REASON_LIMIT;
const approveBodySchema = z.strictObject({
  args: z.record(z.string(), z.unknown()).optional(),
  reason: z.string().max(REASON_LIMIT).optional(),
});
const rejectBodySchema = z.strictObject({
  reason: z.string().trim().min(1, 'a rejection needs a reason').max(REASON_LIMIT),
});

/** Step Functions errors meaning the token no longer waits: decided, timed out, or its execution ended. */
const GONE_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

function respond(statusCode: number, body: unknown): ApiGatewayResponse {
  return { statusCode, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

function problem(statusCode: number, message: string, field?: string): ApiGatewayResponse {
  return respond(statusCode, { message, ...(field ? { field } : {}) });
}

function withoutToken(approval: StoredApproval): PublicApproval {
  const { taskToken: _token, ...visible } = approval;
  return visible;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: ApiGatewayResponse };

function parseBody<T extends z.ZodType>(request: ApiGatewayRequest, schema: T, emptyIsObject: boolean): Parsed<z.output<T>> {
  const raw = request.body ? (request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body) : '';
  let json: unknown = {};
  if (raw.trim() !== '') {
    try {
      json = JSON.parse(raw);
    } catch {
      return { ok: false, response: problem(400, 'The body is not valid JSON', 'body') };
    }
  } else if (!emptyIsObject) {
    json = undefined;
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body';
  return { ok: false, response: problem(400, `Invalid ${field}: ${issue.message}`, field) };
}

/**
 * The approval HTTP API behind API Gateway (IAM authorization): list and read pending approvals
 * (never their tokens; one approval with its whole arguments), approve (optionally with edited
 * arguments) or reject with a reason. A decision becomes SendTaskSuccess/SendTaskFailure on the
 * stored token, edits and reasons of any size uploaded to the payload store when they are too long
 * to travel inline; then the approval is deleted.
 *
 * @example
 * const api = createApprovalApi({ approvals, sfn: new SFNClient({}), payloads });
 * await api({ httpMethod: 'POST', resource: '/approvals/{approvalId}/reject', pathParameters: { approvalId: 'a1' }, body: '{"reason":"no"}' });
 */
export function createApprovalApi(config: ApprovalApiConfig): (request: ApiGatewayRequest) => Promise<ApiGatewayResponse> {
  const now = config.now ?? (() => new Date());
  const isPending = (approval: StoredApproval) => Date.parse(approval.expiresAt) > now().getTime();

  const decide = async (request: ApiGatewayRequest, approved: boolean): Promise<ApiGatewayResponse> => {
    const approvalId = request.pathParameters?.approvalId ?? '';
    const body = approved ? parseBody(request, approveBodySchema, true) : parseBody(request, rejectBodySchema, false);
    if (!body.ok) return body.response;
    const approval = await config.approvals.get(approvalId);
    if (!approval || !isPending(approval)) return problem(404, `No pending approval "${approvalId}": it was decided, timed out, or never existed`, 'approvalId');
    const { args, reason } = body.value as { args?: Record<string, unknown>; reason?: string };
    try {
      await answerApproval(config.sfn, approval.taskToken, { approved, ...(args !== undefined ? { args } : {}), ...(reason !== undefined ? { reason } : {}) }, uploaderOf(config.payloads));
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (!GONE_ERRORS.has(name)) throw error;
      await config.approvals.delete(approvalId);
      return problem(410, `Approval "${approvalId}" no longer waits for a decision (${name}): it timed out, was decided, or its execution ended`, 'approvalId');
    }
    await config.approvals.delete(approvalId);
    const outcome = approved ? 'approved' : 'rejected';
    // The audit line: who decided what; never the token or the arguments.
    console.log(JSON.stringify({ message: 'approval decided', approvalId, outcome, executionArn: approval.executionArn, by: request.requestContext?.identity?.userArn ?? null }));
    return respond(200, { approvalId, outcome, executionArn: approval.executionArn });
  };

  return async (request) => {
    try {
      const route = `${request.httpMethod} ${request.resource}`;
      switch (route) {
        case `GET ${ApprovalRoute.List}`: {
          const executionArn = request.queryStringParameters?.executionArn || undefined;
          const approvals = await config.approvals.list(executionArn ? { executionArn } : {});
          return respond(200, { approvals: approvals.filter(isPending).map(withoutToken) });
        }
        case `GET ${ApprovalRoute.Get}`: {
          const approvalId = request.pathParameters?.approvalId ?? '';
          const approval = await config.approvals.get(approvalId);
          if (!approval || !isPending(approval)) return problem(404, `No pending approval "${approvalId}"`, 'approvalId');
          // One approval is shown whole: long arguments are read back from their reference.
          const args = approval.argsRef ? await config.payloads.get(approval.argsRef) : approval.args;
          return respond(200, { ...withoutToken(approval), args });
        }
        case `POST ${ApprovalRoute.Approve}`:
          return await decide(request, true);
        case `POST ${ApprovalRoute.Reject}`:
          return await decide(request, false);
        default:
          return problem(404, `No route ${route}`);
      }
    } catch (error) {
      if (error instanceof InvalidInputError) return problem(400, error.message, error.field);
      console.error(JSON.stringify({ message: 'approval API failed', route: request.resource, error: (error as Error).name, detail: (error as Error).message }));
      return problem(500, 'The approval API failed; see its logs');
    }
  };
}
