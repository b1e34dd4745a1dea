import type { ApprovalStore, PayloadStore, StoredApproval } from '../../framework/internal';
import { encodeApprovalAnswer, uploaderOf } from '../../state-machines';
import type { SfnOperation } from '../sfn-api/operations';
import type { ConsoleApproval, DecisionRequest, DecisionResponse, JsonSchemaObject } from './api-types';
import { ConsoleErrorCode, ConsoleRequestError } from './errors';
import { checkAgainstSchema, describeIssues } from './shared/json-schema-check';

/** The longest reason the console passes on; a long one travels by reference like any client's. */
export const MAX_REASON_LENGTH = 100_000;

/** Finds the parameters' JSON Schema of an agent's tool, when the engine knows the tool. */
export type ToolSchemaLookup = (agent: string, tool: string) => JsonSchemaObject | undefined;

/** Options of `approvalDecisions`. */
export interface ApprovalDecisionsOptions {
  readonly approvals: ApprovalStore;
  /** Where long arguments are read from and long decisions are uploaded to. */
  readonly payloads: PayloadStore;
  /** The engine's Step Functions operations: decisions go through `SendTaskSuccess`/`SendTaskFailure` like any client's. */
  readonly operations: Readonly<Record<string, SfnOperation>>;
  readonly toolSchema: ToolSchemaLookup;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Validates the body of a decision request, naming what is wrong. */
export function parseDecisionRequest(body: unknown): DecisionRequest {
  const invalid = (message: string) => new ConsoleRequestError(ConsoleErrorCode.Validation, message);
  if (!isObject(body)) throw invalid('The decision must be a JSON object: {"decision": "approve" | "reject", "reason"?, "args"?}');
  const unknown = Object.keys(body).filter((key) => !['decision', 'reason', 'args'].includes(key));
  if (unknown.length > 0) throw invalid(`Unknown field${unknown.length > 1 ? 's' : ''} in the decision: ${unknown.join(', ')} (the fields are decision, reason, args)`);
  const { decision, reason, args } = body;
  if (decision !== 'approve' && decision !== 'reject') throw invalid(`decision must be "approve" or "reject", got ${JSON.stringify(decision)}`);
  if (reason !== undefined && typeof reason !== 'string') throw invalid('reason must be text');
  if (typeof reason === 'string' && reason.length > MAX_REASON_LENGTH) throw invalid(`reason may be at most ${MAX_REASON_LENGTH} characters (it has ${reason.length})`);
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (decision === 'reject') {
    if (args !== undefined) throw invalid('A rejection takes no arguments');
    if (!trimmed) throw invalid('A rejection needs a reason: the agent reads it and decides what to do instead');
    return { decision, reason: trimmed };
  }
  if (args !== undefined && !isObject(args)) throw invalid('args must be a JSON object of the tool\'s arguments');
  return { decision, ...(args !== undefined ? { args: args as Record<string, unknown> } : {}), ...(trimmed ? { reason: trimmed } : {}) };
}

/** The complete arguments of an approval: inline, or read back from their reference when long. */
export async function argumentsOf(approval: StoredApproval, payloads: PayloadStore): Promise<Record<string, unknown>> {
  if (approval.args) return approval.args;
  const args = approval.argsRef ? await payloads.get(approval.argsRef) : undefined;
  if (!isObject(args)) throw new ConsoleRequestError(ConsoleErrorCode.Validation, `The arguments of approval ${approval.approvalId} could not be read (${approval.argsRef ?? 'no reference'})`);
  return args;
}

/** The approval as the console may see it: without its task token, with its whole arguments. */
export async function consoleApproval(approval: StoredApproval, parameters: JsonSchemaObject | undefined, payloads: PayloadStore): Promise<ConsoleApproval> {
  const { taskToken: _taskToken, argsRef: _argsRef, argsPreview: _argsPreview, ...visible } = approval;
  return { ...visible, args: await argumentsOf(approval, payloads), ...(parameters ? { parameters } : {}) };
}

const sameJson = (left: unknown, right: unknown): boolean => JSON.stringify(left) === JSON.stringify(right);

/**
 * Decides pending approvals by id for the console, so the page never holds a task token: the
 * engine looks the token up in its approval store and calls the same `SendTaskSuccess` /
 * `SendTaskFailure` operation an SDK client would, with the same output the CLI sends. Edited
 * arguments are checked against the tool's schema first; unknown keys are refused, never dropped.
 *
 * @example
 * const decide = approvalDecisions({ approvals: stores.approvals, operations, toolSchema });
 * await decide('approval-1', { decision: 'approve', args: { title: 'Better title', body: '…' } });
 */
export function approvalDecisions(options: ApprovalDecisionsOptions) {
  return async (approvalId: string, body: unknown): Promise<DecisionResponse> => {
    const request = parseDecisionRequest(body);
    const approval = await options.approvals.get(approvalId).catch(() => undefined);
    if (!approval) {
      throw new ConsoleRequestError(ConsoleErrorCode.ApprovalNotFound, `No pending approval "${approvalId}": it was decided already, timed out, or its execution ended.`, { statusCode: 404 });
    }
    const upload = uploaderOf(options.payloads);
    if (request.decision === 'reject') {
      const answer = await encodeApprovalAnswer({ approved: false, reason: request.reason }, upload);
      if (answer.kind === 'failure') await options.operations.SendTaskFailure({ taskToken: approval.taskToken, error: answer.error, cause: answer.cause });
      return { approvalId, decision: 'reject', editedFields: [] };
    }
    let editedFields: string[] = [];
    let args: Record<string, unknown> | undefined;
    const original = request.args !== undefined ? await argumentsOf(approval, options.payloads) : undefined;
    if (request.args !== undefined && original !== undefined && !sameJson(request.args, original)) {
      const schema = options.toolSchema(approval.agent, approval.tool);
      if (!schema) {
        throw new ConsoleRequestError(
          ConsoleErrorCode.Validation,
          `The engine does not know the parameters of tool "${approval.tool}" of agent "${approval.agent}", so it cannot check edited arguments. Approve or reject it unchanged.`,
        );
      }
      const issues = checkAgainstSchema(request.args, schema);
      if (issues.length > 0) {
        throw new ConsoleRequestError(ConsoleErrorCode.Validation, `The edited arguments of ${approval.tool} do not fit its schema: ${describeIssues(issues)}`, { issues });
      }
      args = request.args;
      editedFields = [...new Set([...Object.keys(args), ...Object.keys(original)])].filter((key) => !sameJson(args![key], original[key]));
    }
    // The same encoding every client uses: arguments or a reason too long for SendTaskSuccess go by reference.
    const answer = await encodeApprovalAnswer({ approved: true, ...(args ? { args } : {}), ...(request.reason ? { reason: request.reason } : {}) }, upload);
    if (answer.kind === 'success') await options.operations.SendTaskSuccess({ taskToken: approval.taskToken, output: answer.output });
    return { approvalId, decision: 'approve', editedFields };
  };
}
