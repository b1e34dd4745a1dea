import { z } from 'zod';

export const getDocumentParameters = z.object({
  id: z.string().trim().min(1).describe('Document id as returned by search_documents, e.g. "grid-scale-battery-storage"'),
});

export type GetDocumentArgs = z.output<typeof getDocumentParameters>;

export interface GetDocumentResult {
  readonly id: string;
  readonly title: string;
  readonly topic?: string;
  /** `YYYY-MM-DD` when the document says when it was published. */
  readonly published?: string;
  /** The document's prose (Markdown), without the title and metadata lines. */
  readonly text: string;
  readonly wordCount: number;
}
