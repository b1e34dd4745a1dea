import { z } from 'zod';

export const classifyContentParameters = z.object({
  text: z.string().nullable().describe('Text to classify; null when documentId is given'),
  documentId: z.string().nullable().describe('Id of a corpus document to classify; null when text is given'),
  categories: z
    .array(z.string().trim().min(1))
    .min(2)
    .max(20)
    .describe('2-20 candidate categories, e.g. ["energy", "health", "transport"]'),
});

export type ClassifyContentArgs = z.output<typeof classifyContentParameters>;

/** A category's share of the evidence, and the words that supplied it. */
export interface CategoryScore {
  readonly category: string;
  /** Share of the total evidence, 0-1; all scores sum to 1. */
  readonly score: number;
  /** The text's words (stemmed) that counted most for this category. */
  readonly evidence: readonly string[];
}

export interface ClassifyContentResult {
  /** Every category, best first. */
  readonly ranked: readonly CategoryScore[];
  /** The best category. */
  readonly top: string;
}
