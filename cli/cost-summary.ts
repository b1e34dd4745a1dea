import type { CostBreakdown } from '../framework';

/** Dollars for people: four decimals, more for amounts below a hundredth of a cent, no exponent. */
export function dollars(value: number): string {
  if (value === 0) return '$0';
  if (value >= 0.0001) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(8).replace(/0+$/, '')}`;
}

/**
 * One line for the run summary: the total and what it is made of, or why it is unknown.
 *
 * @example
 * costLine(0.0123, cost); // 'cost: $0.0123 (model $0.0100 · Fargate $0.0021 · Lambda $0.0000026 · Step Functions $0.0002; us-east-1 list prices of 2025-10)'
 */
export function costLine(costUsd: number | null, cost: CostBreakdown | undefined): string {
  if (!cost) return `cost: ${costUsd === null ? 'unknown' : dollars(costUsd)}`;
  if (cost.totalUsd === null) {
    const names = cost.model.unpriced.map((model) => model.replace(/^(openai|bedrock):/, ''));
    return `cost: unknown — no price for ${cost.model.unpriced.map((model) => `"${model}"`).join(', ')}; add it to defineConfig({ prices: { models: { '${names[0]}': { inputPerMillion, outputPerMillion } } } })`;
  }
  const parts = [`model ${dollars(cost.model.usd ?? 0)}`];
  if (cost.container.turns > 0) parts.push(`Fargate ${dollars(cost.container.usd)}`);
  if (cost.lambda.requests > 0) parts.push(`Lambda ${dollars(cost.lambda.usd)}`);
  if (cost.stepFunctions.stateTransitions > 0) parts.push(`Step Functions ${dollars(cost.stepFunctions.usd)}`);
  return `cost: ${dollars(cost.totalUsd)} (${parts.join(' · ')}; ${cost.region} list prices of ${cost.pricesAsOf})`;
}
