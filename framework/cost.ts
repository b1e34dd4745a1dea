import type { Usage } from './model';

/** USD per million tokens for one model. */
export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** Prices by model name; a name also prices its dated variants (`gpt-4o-mini-2024-07-18`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** List prices of common models (USD per million tokens), overridable with `defineConfig({ prices })`. */
export const defaultPrices: PriceTable = {
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  offline: { inputPerMillion: 0, outputPerMillion: 0 },
};

/** Finds the price of a model: exact name first, then the longest table name the model name starts with. */
export function findPrice(model: string, prices: PriceTable): ModelPrice | undefined {
  const name = model.replace(/^openai:/, '');
  if (prices[name]) return prices[name];
  const prefix = Object.keys(prices)
    .filter((key) => name.startsWith(`${key}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? prices[prefix] : undefined;
}

/** Cost in USD of `usage` on `model`; 0 for a model with no known price. */
export function costOf(model: string, usage: Usage, prices: PriceTable): number {
  const price = findPrice(model, prices);
  if (!price) return 0;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

/** Adds usage `b` into a copy of `a`. */
export function addUsage(a: Usage, b: Usage): Usage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}
