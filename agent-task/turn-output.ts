import { AwsLimits, InvalidInputError, RunStatus, utf8Bytes, type PayloadStore, type PendingApproval, type RunResult } from '../framework/internal';
import { InlineLimits, MAX_TASK_TIMEOUT_SECONDS, PayloadKey, parseTurnOutput, type ApprovalRequest, type TurnOutput } from '../state-machines';

/** Text cut to `max` characters with a note that says how much is missing and where it is. */
export function clipped(text: string, max: number, where: string): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters ${where}]`;
}

const preview = (json: string): string => (json.length > InlineLimits.previewChars ? `${json.slice(0, InlineLimits.previewChars)}…` : json);

/** One approval Map item: inline arguments when short, else a reference and a preview. */
async function approvalItem(approval: PendingApproval, payloads: PayloadStore, reasoningChars: number, inlineArgs: boolean): Promise<ApprovalRequest> {
  const json = JSON.stringify(approval.args);
  const common = {
    approvalId: approval.approvalId,
    callId: approval.callId,
    tool: approval.tool,
    reasoning: clipped(approval.reasoning, reasoningChars, 'in the model.step event of this turn'),
    timeoutSeconds: Math.min(approval.timeoutSeconds, MAX_TASK_TIMEOUT_SECONDS),
    requestedAt: approval.requestedAt,
  };
  if (inlineArgs && json.length <= InlineLimits.approvalArgsChars) return { ...common, args: approval.args };
  const argsRef = await payloads.put(PayloadKey.approvalArgs(approval.approvalId), approval.args);
  return { ...common, argsRef, argsPreview: preview(json) };
}

const outputBytes = (output: unknown): number => utf8Bytes(JSON.stringify(output));

/**
 * The approval items of a paused turn, fitted into `InlineLimits.turnOutputBytes`: long arguments
 * go by reference at once; if the items are still too large together (many calls at once), every
 * argument goes by reference and reasoning shrinks to a preview.
 */
async function approvalItems(approvals: readonly PendingApproval[], payloads: PayloadStore, base: object): Promise<ApprovalRequest[]> {
  const attempts = [
    { reasoningChars: InlineLimits.approvalReasoningChars, inlineArgs: true },
    { reasoningChars: InlineLimits.approvalReasoningChars, inlineArgs: false },
    { reasoningChars: InlineLimits.previewChars, inlineArgs: false },
  ];
  for (const attempt of attempts) {
    const items = await Promise.all(approvals.map((approval) => approvalItem(approval, payloads, attempt.reasoningChars, attempt.inlineArgs)));
    if (outputBytes({ ...base, approvals: items }) <= InlineLimits.turnOutputBytes) return items;
  }
  throw new InvalidInputError(
    `The model asked for ${approvals.length} approval-gated calls at once; even with their arguments stored by reference they do not fit in Step Functions' ${AwsLimits.payloadBytes}-byte payload. Ask the model for fewer calls per turn.`,
    { field: 'approvals' },
  );
}

/**
 * The turn output the container sends with SendTaskSuccess, bounded whatever the model produced:
 * a final answer longer than `InlineLimits.answerChars` is stored (payload key
 * `results/<executionArn>`) and the output carries a preview and its `resultRef`; approval items
 * carry long arguments by reference.
 *
 * @example
 * const output = await turnOutputOf(result, { executionArn, payloads: stores.payloads });
 */
export async function turnOutputOf(result: RunResult, context: { executionArn: string; payloads: PayloadStore }): Promise<TurnOutput> {
  const base = { usage: result.usage, costUsd: result.costUsd, cost: result.cost, iterations: result.iterations };
  switch (result.status) {
    case RunStatus.Completed: {
      if (result.answer.length <= InlineLimits.answerChars) return parseTurnOutput({ ...base, status: RunStatus.Completed, answer: result.answer, resultRef: null });
      const resultRef = await context.payloads.put(PayloadKey.result(context.executionArn), result.answer);
      const answer = clipped(result.answer, InlineLimits.answerChars, `in the full answer at ${resultRef} (stepwise status prints it)`);
      return parseTurnOutput({ ...base, status: RunStatus.Completed, answer, resultRef });
    }
    case RunStatus.AwaitingApproval: {
      const approvals = await approvalItems(result.approvals, context.payloads, { ...base, status: RunStatus.AwaitingApproval });
      return parseTurnOutput({ ...base, status: RunStatus.AwaitingApproval, approvals });
    }
    default:
      return parseTurnOutput({
        ...base,
        status: RunStatus.Failed,
        error: { name: result.error.name, message: clipped(result.error.message, AwsLimits.taskCauseChars - 200, 'in the run.failed event') },
      });
  }
}
