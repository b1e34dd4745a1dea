import { randomUUID } from 'node:crypto';

/**
 * The payload store keys the workflow, the container and the approvers agree on. Keys of
 * approvals and decisions are found from the approval id alone, so whoever holds an approval can
 * find its arguments and its decision without being told where they are.
 */
export const PayloadKey = {
  /** The arguments of an approval-gated call too long to travel in the approval item. */
  approvalArgs: (approvalId: string): string => `approvals/${approvalId}/args`,
  /** The decision on an approval, written by the workflow's `RecordDecision` step. */
  decision: (approvalId: string): string => `decisions/${approvalId}`,
  /** The full final answer of an execution, when it is too long for the execution output. */
  result: (executionArn: string): string => `results/${executionArn}`,
  /** Something an approver uploads (edited arguments, a long reason): a fresh key each time. */
  upload: (): string => `uploads/${randomUUID()}`,
} as const;
