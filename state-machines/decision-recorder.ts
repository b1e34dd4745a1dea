import { DecisionOutcome } from '../framework/constants';
import { isPayloadRef, type PayloadStore } from '../framework/stores/payload-store';
import { StatesError } from './constants';
import { PayloadKey } from './payload-keys';
import { parseDecisionPayload, type ApprovalAnswer, type ApprovalRequest, type StoredDecision } from './schemas';

/** What `RecordDecision` outputs for one approval: small, so the approval Map's output stays bounded. */
export interface DecisionMarker {
  readonly approvalId: string;
  readonly outcome: StoredDecision['outcome'];
  /** Where the whole decision is, for the container (and for audits). */
  readonly decisionRef: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A rejection whose reason exceeded SendTaskFailure's cause travels as `{"reasonRef": ...}` in the cause. */
function reasonFromCause(cause: string): Pick<StoredDecision, 'reason' | 'reasonRef'> {
  if (cause.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(cause);
      if (isObject(parsed) && isPayloadRef(parsed.reasonRef)) return { reasonRef: parsed.reasonRef };
    } catch {
      // An ordinary reason that happens to start with a brace.
    }
  }
  return { reason: cause };
}

function reasonOf(response: Record<string, unknown>): Pick<StoredDecision, 'reason' | 'reasonRef'> {
  if (isPayloadRef(response.reasonRef)) return { reasonRef: response.reasonRef };
  return typeof response.reason === 'string' ? { reason: response.reason } : {};
}

/**
 * Turns how one approval ended into the decision the container applies: a `States.Timeout` is a
 * timeout, any other error (SendTaskFailure) a rejection with its cause as the reason, a response
 * with `approved: true` an approval (with edited `args` or `argsRef`), any other response a
 * rejection. Edits that cannot be used (not an object, a malformed reference) become a rejection
 * that says why: the approver meant to change the call, so it must not run as the model asked.
 *
 * @example
 * decisionOf(approval, { response: { approved: true, reason: 'fine' } }, new Date().toISOString());
 * // { approvalId, callId, outcome: 'approved', reason: 'fine', decidedAt }
 */
export function decisionOf(approval: ApprovalRequest, answer: ApprovalAnswer, decidedAt: string): StoredDecision {
  const base = { approvalId: approval.approvalId, callId: approval.callId, decidedAt };
  if ('Error' in answer) {
    if (answer.Error === StatesError.Timeout) return { ...base, outcome: DecisionOutcome.Timeout };
    return { ...base, outcome: DecisionOutcome.Rejected, ...reasonFromCause(answer.Cause || answer.Error) };
  }
  const response = isObject(answer.response) ? answer.response : {};
  if (response.approved !== true) return { ...base, outcome: DecisionOutcome.Rejected, ...reasonOf(response) };
  const unusable = (what: string): StoredDecision => ({
    ...base,
    outcome: DecisionOutcome.Rejected,
    reason: `approved with edited arguments that ${what}, so the call was not run`,
  });
  if (response.argsRef !== undefined) {
    if (!isPayloadRef(response.argsRef)) return unusable('name a payload that is not a "stepwise-payload:" reference');
    return { ...base, outcome: DecisionOutcome.Approved, argsRef: response.argsRef, ...reasonOf(response) };
  }
  if (response.args !== undefined) {
    if (!isObject(response.args)) return unusable('are not a JSON object');
    return { ...base, outcome: DecisionOutcome.Approved, args: response.args, ...reasonOf(response) };
  }
  return { ...base, outcome: DecisionOutcome.Approved, ...reasonOf(response) };
}

/** Options of `createDecisionRecorder`. */
export interface DecisionRecorderOptions {
  /** Where decisions are written (`decisions/<approvalId>`). */
  readonly payloads: PayloadStore;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The function behind the `RecordDecision` state of every approval: whoever answered the task
 * token (the CLI, the approval API, the console, a raw SendTaskSuccess), it stores the decision
 * where the container looks for it and returns a small marker. Recording the same decision again
 * (a retried invocation, a redrive) writes the same record.
 *
 * @throws InvalidInputError naming the bad field of a malformed payload.
 * @example
 * const record = createDecisionRecorder({ payloads: stores.payloads });
 * await record({ executionArn, agent: 'research', approval, answer: { response: { approved: true } } });
 */
export function createDecisionRecorder(options: DecisionRecorderOptions): (event: unknown) => Promise<DecisionMarker> {
  const now = options.now ?? Date.now;
  return async (event) => {
    const { approval, answer } = parseDecisionPayload(event);
    const decision = decisionOf(approval, answer, new Date(now()).toISOString());
    const decisionRef = await options.payloads.put(PayloadKey.decision(approval.approvalId), decision);
    return { approvalId: decision.approvalId, outcome: decision.outcome, decisionRef };
  };
}

