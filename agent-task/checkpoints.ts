import { RunState, RunStatus, type CheckpointStore } from '../framework';
import { normalizeDecision, type ApprovalResult, type ExecutionInput } from '../state-machines';

/** The checkpoint key of a session: the last finished state of a conversation. */
export const sessionKey = (sessionId: string): string => `session:${sessionId}`;

/**
 * The state to continue from: the execution's own checkpoint (a retried or resumed container),
 * else the session's last state with the new task (memory across executions), else a new run.
 */
export async function loadOrStartState(store: CheckpointStore, options: { executionArn: string; agent: string; input: ExecutionInput }): Promise<RunState> {
  const own = await store.load(options.executionArn);
  if (own) return RunState.fromJSON(own.state);
  const { task, sessionId } = options.input;
  if (sessionId) {
    const session = await store.load(sessionKey(sessionId));
    if (session) {
      const previous = RunState.fromJSON(session.state);
      if (previous.agent === options.agent) return RunState.continueSession(previous, { task, runId: options.executionArn });
    }
  }
  return RunState.start({ agent: options.agent, task, runId: options.executionArn, sessionId });
}

/**
 * Records the workflow's approval results on a state that waits for them. A state that is no
 * longer waiting (a container retried after it had already applied them) is left alone.
 */
export function recordDecisions(state: RunState, results: readonly ApprovalResult[]): void {
  if (state.status !== RunStatus.AwaitingApproval) return;
  const pending = new Set(state.pendingApprovals.map((approval) => approval.approvalId));
  const decided = new Set(state.decisions.map((decision) => decision.approvalId));
  for (const result of results) {
    const decision = normalizeDecision(result);
    if (!pending.has(decision.approvalId) || decided.has(decision.approvalId)) continue;
    if (decision.outcome === 'approved') state.decide({ approvalId: decision.approvalId, outcome: 'approved', args: decision.args, reason: decision.reason });
    else state.decide({ approvalId: decision.approvalId, outcome: decision.outcome, reason: decision.reason });
  }
}
