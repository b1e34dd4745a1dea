import { costBreakdown, defaultPriceTable, noResources, type CostBreakdown } from '../../framework/internal';

/** A real cost breakdown for test turn outputs: `inputTokens`/`outputTokens` of gpt-4o-mini, nothing else. */
export function sampleCost(usage = { inputTokens: 120, outputTokens: 30 }): CostBreakdown {
  return costBreakdown({ 'gpt-4o-mini': usage }, noResources(), defaultPriceTable);
}
