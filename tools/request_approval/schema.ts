import { z } from 'zod';

export const RiskLevel = { Low: 'low', Medium: 'medium', High: 'high' } as const;
export type RiskLevel = (typeof RiskLevel)[keyof typeof RiskLevel];

export const requestApprovalParameters = z.object({
  action: z.string().trim().min(1).describe('What you want to do, in one sentence a reviewer can approve or reject'),
  reasoning: z.string().trim().min(1).describe('Why this action is needed'),
  risk_level: z.enum([RiskLevel.Low, RiskLevel.Medium, RiskLevel.High]).describe('How much harm the action could do if it is wrong'),
});

export type RequestApprovalArgs = z.output<typeof requestApprovalParameters>;

export interface RequestApprovalResult {
  readonly approved: boolean;
  /** `undecided` only when the tool ran without going through approval. */
  readonly outcome: 'approved' | 'rejected' | 'timeout' | 'undecided';
  /** The reviewer's reason, when they gave one. */
  readonly reason: string | null;
  readonly action: string;
  readonly risk_level: RiskLevel;
}
