import { z } from 'zod';

/** Search limits; the default applies when `limit` is null. */
export const SearchLimits = { defaultLimit: 5, maxLimit: 20 } as const;

export const searchDocumentsParameters = z.object({
  query: z.string().trim().min(1).describe('Words to look for, e.g. "vanadium flow battery cost"'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(SearchLimits.maxLimit)
    .nullable()
    .describe(`How many results to return, 1-${SearchLimits.maxLimit}; null for the default of ${SearchLimits.defaultLimit}`),
});

export type SearchDocumentsArgs = z.output<typeof searchDocumentsParameters>;

/** One matching document. */
export interface SearchHit {
  /** Pass to get_document, summarize_document, … as `documentId`. */
  readonly id: string;
  readonly title: string;
  /** BM25+ relevance; higher is better, comparable only within one search. */
  readonly score: number;
  /** The best-matching sentence, shortened around the first match. */
  readonly snippet: string;
}

export interface SearchDocumentsResult {
  readonly query: string;
  /** How many documents matched (before `limit`). */
  readonly total: number;
  readonly results: readonly SearchHit[];
}
