import {
  CheckpointMissingError,
  PayloadNotFoundError,
  RunState,
  RunStatus,
  loadRunState,
  parseEditedArguments,
  payloadRef,
  type Agent,
  type CheckpointStore,
  type PayloadStore,
} from '../framework/internal';
import { PayloadKey, storedDecisionSchema, type ExecutionInput, type NormalizedDecision, type StoredDecision } from '../state-machines';

/** The checkpoint key of a session: the last finished state of a conversation. */
export const sessionKey = (sessionId: string): string => `session:${sessionId}`;

/**
 * The state to continue from: the execution's own journal (a retried or resumed container),
 * else — on the first turn only — the session's last state with the new task (memory across
 * executions), else a new run. A later turn without a checkpoint is an error: starting afresh
 * would run its tool calls again.
 *
 * @throws CheckpointMissingError when `turn` is after the first and the checkpoint is gone.
 */
export async function loadOrStartState(
  store: CheckpointStore,
  options: { executionArn: string; agent: string; input: ExecutionInput | Promise<ExecutionInput>; turn: number },
): Promise<RunState> {
  // The input may still be on its way (DescribeExecution): only a new run needs it.
  const own = await loadRunState(store, options.executionArn);
  if (own) return own;
  if (options.turn > 1) throw new CheckpointMissingError(options.executionArn, options.turn);
  const { task, sessionId } = await options.input;
  if (sessionId) {
    const previous = await loadRunState(store, sessionKey(sessionId));
    if (previous && previous.agent === options.agent) return RunState.continueSession(previous, { task, runId: options.executionArn });
  }
  return RunState.start({ agent: options.agent, task, runId: options.executionArn, sessionId });
}

async function resolve<T>(payloads: PayloadStore, ref: string, check: (value: unknown) => value is T): Promise<T | undefined> {
  try {
    const value = await payloads.get(ref);
    return check(value) ? value : undefined;
  } catch (error) {
    if (error instanceof PayloadNotFoundError) return undefined;
    throw error;
  }
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A stored decision with its references resolved; an edit that cannot be read becomes a rejection that says so. */
async function normalize(payloads: PayloadStore, decision: StoredDecision): Promise<NormalizedDecision> {
  const base = { approvalId: decision.approvalId, callId: decision.callId };
  const reason = decision.reasonRef ? ((await resolve(payloads, decision.reasonRef, isText)) ?? `(the reason at ${decision.reasonRef} could not be read)`) : decision.reason;
  if (decision.outcome !== 'approved') return { ...base, outcome: decision.outcome, ...(reason !== undefined ? { reason } : {}) };
  if (decision.argsRef) {
    const args = await resolve(payloads, decision.argsRef, isObject);
    if (!args) return { ...base, outcome: 'rejected', reason: `approved with edited arguments at ${decision.argsRef} that are gone or not a JSON object, so the call was not run` };
    return { ...base, outcome: 'approved', args, ...(reason !== undefined ? { reason } : {}) };
  }
  return { ...base, outcome: 'approved', ...(decision.args ? { args: decision.args } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/**
 * The decisions the workflow recorded for the approvals this state waits for (payload key
 * `decisions/<approvalId>`, written by `RecordDecision` whoever answered). An approval without a
 * recorded decision is simply not returned: the run then reports it again.
 */
export async function loadDecisions(payloads: PayloadStore, state: RunState): Promise<NormalizedDecision[]> {
  if (state.status !== RunStatus.AwaitingApproval) return [];
  const decided = new Set(state.decisions.map((decision) => decision.approvalId));
  const decisions: NormalizedDecision[] = [];
  for (const pending of state.pendingApprovals.filter((approval) => !decided.has(approval.approvalId))) {
    let stored: unknown;
    try {
      stored = await payloads.get(payloadRef(PayloadKey.decision(pending.approvalId)));
    } catch (error) {
      if (error instanceof PayloadNotFoundError) continue;
      throw error;
    }
    const parsed = storedDecisionSchema.safeParse(stored);
    if (!parsed.success || parsed.data.callId !== pending.callId) {
      decisions.push({ approvalId: pending.approvalId, callId: pending.callId, outcome: 'rejected', reason: 'the recorded decision could not be read, so the call was not run' });
      continue;
    }
    decisions.push(await normalize(payloads, parsed.data));
  }
  return decisions;
}

/**
 * Records decisions on a state that waits for them. A state that is no longer waiting (a
 * container retried after it had already applied them) is left alone. An approval whose edited
 * arguments do not match the tool's schema cannot run: it is recorded as a rejection that names
 * the bad field, so the model hears why instead of the execution failing on input nobody can
 * correct any more.
 */
export function recordDecisions(state: RunState, decisions: readonly NormalizedDecision[], agent?: Agent): void {
  if (state.status !== RunStatus.AwaitingApproval) return;
  const pending = new Set(state.pendingApprovals.map((approval) => approval.approvalId));
  const decided = new Set(state.decisions.map((decision) => decision.approvalId));
  for (const decision of decisions) {
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
