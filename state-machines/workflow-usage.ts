import { DecisionOutcome, RunStatus } from '../framework/constants';
import type { RunStateData } from '../framework/run-state';
import type { WorkflowUsage } from '../framework/runner/platform';
import { ApprovalNotifierSize } from './constants';

/**
 * The Step Functions state transitions and Lambda invocations of one execution of the workflow
 * `buildAgentDefinition` builds, counted from the run state — each state entered is one
 * transition, retries included:
 *
 * - `Initialize` once;
 * - `RunAgent` per container turn started (a retried turn enters it again);
 * - `CheckTurnStatus` per turn that ended;
 * - per approval round: `RequestApprovals`, then per approval `RequestApproval` (and
 *   `ApprovalRejected`/`ApprovalTimedOut` when it was not approved) and, once it is decided,
 *   `RecordDecision`; then `NextTurn` once the round is decided. Per approval the approval
 *   notifier Lambda is invoked, and the decision recorder once it is decided;
 * - the end: `ShapeResult` and `Succeeded`, or `Failed`.
 *
 * The state's status says how the current turn ends, so a turn that pauses counts the approval
 * states it enters (the waits); what follows a decision is counted by the next turn. The two functions' GB-seconds are an estimate (`ApprovalNotifierSize`).
 *
 * @example
 * workflowUsage(state.toJSON(), 2); // { stateTransitions: 9, lambdaRequests: 1, lambdaGbSeconds: 0.125 }
 */
export function workflowUsage(state: Readonly<Pick<RunStateData, 'runId' | 'status' | 'ledger' | 'pendingApprovals'>>, containerTurns: number): WorkflowUsage {
  // A session's ledger carries the calls of earlier executions: only this execution's count.
  const own = Object.values(state.ledger).filter((entry) => entry.idempotencyKey.startsWith(`${state.runId}:`));
  const decided = own.filter((entry) => entry.approval !== undefined);
  const waiting = state.status === RunStatus.AwaitingApproval ? state.pendingApprovals : [];
  // The calls of one model step share its iteration, and one step's approvals are one round.
  const decidedRounds = new Set(decided.map((entry) => entry.iteration)).size;
  const rounds = decidedRounds + (waiting.length > 0 ? 1 : 0);
  const approvals = decided.length + waiting.length;
  const notApproved = decided.filter((entry) => entry.approval?.outcome !== DecisionOutcome.Approved).length;
  const ended = state.status === RunStatus.Completed ? 2 : state.status === RunStatus.Failed ? 1 : 0;
  const checks = rounds + (ended > 0 ? 1 : 0);
  return {
    // RequestApprovals per round and NextTurn per decided round; RequestApproval per approval and RecordDecision per decided one.
    stateTransitions: 1 + Math.max(containerTurns, 1) + checks + rounds + decidedRounds + approvals + decided.length + notApproved + ended,
    // The notifier per approval, the decision recorder per decided one.
    lambdaRequests: approvals + decided.length,
    lambdaGbSeconds: (approvals + decided.length) * (ApprovalNotifierSize.estimatedBilledMs / 1000) * (ApprovalNotifierSize.memoryMiB / 1024),
  };
}
