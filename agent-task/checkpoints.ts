import { RunState, RunStatus, parseEditedArguments, type Agent, type CheckpointStore } from '../framework';
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
 * An approval whose edited arguments do not match the tool's schema cannot run: it is recorded as
 * a rejection that names the bad field, so the model hears why instead of the execution failing
 * on input nobody can correct any more.
 */
export function recordDecisions(state: RunState, results: readonly ApprovalResult[], agent?: Agent): void {
  if (state.status !== RunStatus.AwaitingApproval) return;
  const pending = new Set(state.pendingApprovals.map((approval) => approval.approvalId));
  const decided = new Set(state.decisions.map((decision) => decision.approvalId));
  for (const result of results) {
    const decision = normalizeDecision(result);
    if (!pending.has(decision.approvalId) || decided.has(decision.approvalId)) continue;
    if (decision.outcome !== 'approved') {
      state.decide({ approvalId: decision.approvalId, outcome: decision.outcome, reason: decision.reason });
      continue;
    }
    const problem = decision.args ? invalidArguments(agent, state, decision.approvalId, decision.args) : undefined;
    if (problem) {
      state.decide({ approvalId: decision.approvalId, outcome: 'rejected', reason: `approved with edited arguments that are invalid, so the call was not run (${problem})` });
    } else {
      state.decide({ approvalId: decision.approvalId, outcome: 'approved', args: decision.args, reason: decision.reason });
    }
  }
}

function invalidArguments(agent: Agent | undefined, state: RunState, approvalId: string, args: Record<string, unknown>): string | undefined {
  const pending = state.pendingApprovals.find((approval) => approval.approvalId === approvalId);
  const tool = agent?.tools.find((candidate) => candidate.name === pending?.tool);
  if (!tool) return undefined;
  try {
    parseEditedArguments(tool, args);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
