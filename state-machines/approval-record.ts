import type { StoredApproval } from '../framework/stores/approval-store';
import type { ApprovalLambdaPayload } from './schemas';

/**
 * What the approval step stores for one pending approval (locally and in AWS): the request, who
 * asked, the task token that answers it, and when it times out. Long arguments stay a reference. The timeout starts at `at`, when
 * the approval's task (and so this call) started.
 *
 * @example
 * await approvals.put(approvalRecordOf(parseApprovalPayload(event), Date.now()));
 */
export function approvalRecordOf(payload: ApprovalLambdaPayload, at: number, timeoutSeconds: number = payload.approval.timeoutSeconds): StoredApproval {
  const { taskToken, executionArn, agent, approval } = payload;
  return {
    approvalId: approval.approvalId,
    executionArn,
    agent,
    callId: approval.callId,
    tool: approval.tool,
    ...(approval.argsRef !== undefined ? { argsRef: approval.argsRef, argsPreview: approval.argsPreview ?? '' } : { args: approval.args }),
    reasoning: approval.reasoning,
    taskToken,
    requestedAt: approval.requestedAt ?? new Date(at).toISOString(),
    expiresAt: new Date(at + timeoutSeconds * 1000).toISOString(),
  };
}
