import { defineTool } from '../shared/framework';
import { requestApprovalParameters, type RequestApprovalResult } from './schema';

/**
 * Asks a human to approve an action before the agent takes it. The call always pauses for a
 * decision; it then runs whatever was decided (approved, rejected or timed out) and tells the
 * model the outcome, so the model can continue or change course.
 */
export const requestApproval = defineTool({
  name: 'request_approval',
  description:
    'Asks a human to approve an action before you take it. Describe the action, your reasoning and its risk level. ' +
    'Returns whether it was approved, and the reviewer\'s reason; do not take a rejected action.',
  parameters: requestApprovalParameters,
  needsApproval: true,
  handlesRejection: true,
  execute: ({ action, risk_level }, context): RequestApprovalResult => ({
    approved: context.approval?.approved ?? false,
    outcome: context.approval?.outcome ?? 'undecided',
    reason: context.approval?.reason ?? null,
    action,
    risk_level,
  }),
});
