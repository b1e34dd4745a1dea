import { DecisionOutcome } from '../constants';
import { parseEditedArguments } from '../edited-arguments';
import { ApprovalDecisionError, ToolArgumentsError } from '../errors';
import { EventType } from '../events';
import type { ApprovalDecision } from '../run-state';
import type { RunContext } from './run-context';

/**
 * Applies the decisions recorded on the state to its pending approvals. Everything is validated
 * first (every pending approval decided, edited arguments match the schema), so a bad decision
 * changes nothing.
 */
export async function applyDecisions(context: RunContext): Promise<void> {
  const data = context.state.mutable;
  const byId = new Map<string, ApprovalDecision>(data.decisions.map((decision) => [decision.approvalId, decision]));
  const undecided = data.pendingApprovals.filter((pending) => !byId.has(pending.approvalId));
  if (undecided.length > 0) {
    throw new ApprovalDecisionError(
      `The run is waiting for ${undecided.length} approval(s) without a decision: ${undecided.map((p) => `${p.approvalId} (${p.tool})`).join(', ')}`,
      { approvalId: undecided[0].approvalId },
    );
  }
  const editedArgs = new Map<string, unknown>();
  for (const pending of data.pendingApprovals) {
    const decision = byId.get(pending.approvalId)!;
    if (decision.outcome === DecisionOutcome.Approved && decision.args !== undefined) {
      const tool = context.findTool(pending.tool);
      try {
        editedArgs.set(pending.approvalId, tool ? parseEditedArguments(tool, decision.args) : decision.args);
      } catch (error) {
        const detail = error instanceof ToolArgumentsError ? error.message : String(error);
        throw new ApprovalDecisionError(`Edited arguments for approval ${pending.approvalId} are invalid. ${detail}`, { approvalId: pending.approvalId, cause: error });
      }
    }
  }
  for (const pending of data.pendingApprovals) {
    const decision = byId.get(pending.approvalId)!;
    const entry = data.ledger[pending.callId];
    const edited = editedArgs.has(pending.approvalId);
    const reason = decision.reason ?? (decision.outcome === DecisionOutcome.Timeout ? `no decision within ${pending.timeoutSeconds} second${pending.timeoutSeconds === 1 ? '' : 's'} (approval timed out)` : undefined);
    entry.approval = { approvalId: pending.approvalId, outcome: decision.outcome, reason, edited };
    if (edited) entry.args = editedArgs.get(pending.approvalId);
    const tool = context.findTool(pending.tool);
    if (decision.outcome === DecisionOutcome.Approved || tool?.handlesRejection) {
      entry.status = 'started'; // runs on the next settle, with its idempotency key
      entry.startedAt = undefined;
    } else {
      entry.status = 'rejected';
      entry.completedAt = new Date().toISOString();
    }
    await context.emit({ type: EventType.ApprovalDecided, approvalId: pending.approvalId, callId: pending.callId, tool: pending.tool, outcome: decision.outcome, reason });
  }
  data.pendingApprovals = [];
  data.decisions = [];
}
