import { z } from 'zod';

export const publishReportParameters = z.object({
  title: z.string().trim().min(1).max(200).describe('Report title; becomes the "# " heading and the file name'),
  body: z.string().min(1).describe('Report body in Markdown'),
});

export type PublishReportArgs = z.output<typeof publishReportParameters>;

export interface PublishReportResult {
  /** `<slug>-<hash of the idempotency key>`; the same for every retry of one call. */
  readonly reportId: string;
  /** File path, or `s3://bucket/key`. */
  readonly location: string;
  readonly bytes: number;
  /** True when this call had already published the report and nothing was written again. */
  readonly deduplicated: boolean;
}
