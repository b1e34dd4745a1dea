import type { ApprovalFilter, ApprovalStore, StoredApproval } from '../../framework/stores';

/**
 * The approval store as people see it: only approvals whose task token still waits. An answer
 * closes the token at once, but the approval leaves the store a moment later (after its
 * notifier's call returns); in between, listing it would ask a human again for something already
 * answered. Writes go to the store unchanged.
 *
 * @example
 * const open = openApprovals(stores.approvals, (token) => manager.tokens.isWaiting(token));
 * const pending = await open.list({ executionArn });
 */
export function openApprovals(store: ApprovalStore, isWaiting: (taskToken: string) => boolean): ApprovalStore {
  const open = (approval: StoredApproval | undefined) => (approval && isWaiting(approval.taskToken) ? approval : undefined);
  return {
    put: (approval) => store.put(approval),
    get: async (approvalId) => open(await store.get(approvalId)),
    list: async (filter?: ApprovalFilter) => (await store.list(filter)).filter((approval) => open(approval) !== undefined),
    delete: (approvalId) => store.delete(approvalId),
  };
}
