import type { SFNClient } from '@aws-sdk/client-sfn';
import { ErrorName } from '../framework/constants';
import { InvalidInputError } from '../framework/errors';
import { AwsLimits } from '../framework/limits';
import type { PayloadStore } from '../framework/stores/payload-store';
import { InlineLimits } from './constants';
import { PayloadKey } from './payload-keys';

/** What an approver decided about one approval. */
export interface ApproverDecision {
  readonly approved: boolean;
  /** The complete arguments to run the tool with instead of the model's (only with `approved`). */
  readonly args?: Record<string, unknown>;
  /** Why; the agent sees the reason of a rejection. */
  readonly reason?: string;
}

/** How the answer goes to the task token: SendTaskSuccess with an output, or SendTaskFailure. */
export type TaskAnswer = { readonly kind: 'success'; readonly output: string } | { readonly kind: 'failure'; readonly error: string; readonly cause: string };

const preview = (text: string): string => (text.length > InlineLimits.previewChars ? `${text.slice(0, InlineLimits.previewChars)}…` : text);

/**
 * Encodes a decision for its task token so that it fits whatever its size: edited arguments and
 * reasons longer than `InlineLimits.decisionFieldChars` are uploaded to the payload store and
 * sent as references (`argsRef`, `reasonRef`); a rejection whose reason is longer than
 * SendTaskFailure's 32,768-character cause sends `{"reasonRef": ...}` as the cause. The workflow's
 * `RecordDecision` step understands both forms.
 *
 * @example
 * const answer = await encodeApprovalAnswer({ approved: true, args: edited }, (value) => payloads.put(PayloadKey.upload(), value));
 */
export async function encodeApprovalAnswer(decision: ApproverDecision, upload: (value: unknown) => Promise<string>): Promise<TaskAnswer> {
  if (decision.approved) {
    const output: Record<string, unknown> = { approved: true };
    if (decision.args !== undefined) {
      if (JSON.stringify(decision.args).length > InlineLimits.decisionFieldChars) output.argsRef = await upload(decision.args);
      else output.args = decision.args;
    }
    if (decision.reason !== undefined) {
      if (decision.reason.length > InlineLimits.decisionFieldChars) output.reasonRef = await upload(decision.reason);
      else output.reason = decision.reason;
    }
    return { kind: 'success', output: JSON.stringify(output) };
  }
  if (decision.args !== undefined) throw new InvalidInputError('A rejection cannot carry edited arguments', { field: 'args' });
  const reason = decision.reason ?? 'rejected';
  if (reason.length <= AwsLimits.taskCauseChars) return { kind: 'failure', error: ErrorName.ApprovalRejected, cause: reason };
  const reasonRef = await upload(reason);
  return { kind: 'failure', error: ErrorName.ApprovalRejected, cause: JSON.stringify({ reasonRef, reasonPreview: preview(reason) }) };
}

/** Uploads a value to the payload store under a fresh `uploads/` key and returns its reference. */
export type PayloadUploader = (value: unknown) => Promise<string>;

/** The uploader of a payload store the caller may write to directly (the approval API, tests). */
export const uploaderOf =
  (payloads: Pick<PayloadStore, 'put'>): PayloadUploader =>
  (value) =>
    payloads.put(PayloadKey.upload(), value);

/**
 * Answers an approval's task token with a decision of any size (see `encodeApprovalAnswer`),
 * uploading what is too long with `upload`.
 *
 * @example
 * await answerApproval(sfn, approval.taskToken, { approved: false, reason: longReason }, uploaderOf(stores.payloads));
 */
export async function answerApproval(sfn: SFNClient, taskToken: string, decision: ApproverDecision, upload: PayloadUploader): Promise<void> {
  const answer = await encodeApprovalAnswer(decision, upload);
  // Loaded here: the agent container loads this module (through state-machines) but never answers approvals.
  const { SendTaskFailureCommand, SendTaskSuccessCommand } = require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn');
  if (answer.kind === 'success') await sfn.send(new SendTaskSuccessCommand({ taskToken, output: answer.output }));
  else await sfn.send(new SendTaskFailureCommand({ taskToken, error: answer.error, cause: answer.cause }));
}
