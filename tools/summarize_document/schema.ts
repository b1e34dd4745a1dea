import { z } from 'zod';

/** Summary length bounds in characters; the default applies when `max_length` is null. */
export const SummaryLength = { default: 600, min: 80, max: 5000 } as const;

export const summarizeDocumentParameters = z.object({
  text: z.string().nullable().describe('Text to summarize; null when documentId is given'),
  documentId: z.string().nullable().describe('Id of a corpus document to summarize; null when text is given'),
  max_length: z
    .number()
    .int()
    .min(SummaryLength.min)
    .max(SummaryLength.max)
    .nullable()
    .describe(`Longest summary in characters, ${SummaryLength.min}-${SummaryLength.max}; null for the default of ${SummaryLength.default}`),
});

export type SummarizeDocumentArgs = z.output<typeof summarizeDocumentParameters>;

export interface SummarizeDocumentResult {
  /** The chosen sentences in their original order, never longer than `max_length`. */
  readonly summary: string;
  /** How many sentences the summary holds. */
  readonly sentences: number;
  readonly method: 'textrank';
}
