import type { S3Client } from '@aws-sdk/client-s3';
import { defineTool, ToolExecutionError, type Tool } from '../shared/framework';
import type { BundledToolContext, BundledToolsContext } from '../workspace';
import { deliverToFolder, deliverToS3, parseS3Location, reportIdFor } from './outbox';
import { publishReportParameters, type PublishReportResult } from './schema';

const TOOL_NAME = 'publish_report';

/** Options of `createPublishReport`. */
export interface PublishReportOptions {
  /**
   * Client for `s3://` outboxes.
   * @default a `S3Client` from the standard AWS configuration, created on first S3 publish
   */
  readonly s3Client?: S3Client;
}

/**
 * Makes the `publish_report` tool. It needs approval, and it writes each report once per
 * idempotency key, so a retried or resumed call returns the report it already wrote.
 *
 * @example
 * const publish = createPublishReport({ s3Client: new S3Client({ region: 'eu-west-1' }) });
 */
export function createPublishReport(options: PublishReportOptions = {}): Tool<typeof publishReportParameters, PublishReportResult, BundledToolsContext> {
  let s3Client = options.s3Client;
  return defineTool({
    name: TOOL_NAME,
    description:
      'Publishes a Markdown report (title and body) to the outbox. Needs human approval. Publishing again within the same call returns the ' +
      'existing report instead of writing a duplicate.',
    parameters: publishReportParameters,
    needsApproval: true,
    execute: async ({ title, body }, context: BundledToolContext): Promise<PublishReportResult> => {
      const reportId = reportIdFor(title, context.idempotencyKey);
      const report = { reportId, content: `# ${title}\n\n${body.trim()}\n` };
      const s3Location = parseS3Location(context.context.outboxDir);
      try {
        const delivery = s3Location
          ? await deliverToS3((s3Client ??= new (require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3')).S3Client({})), s3Location, report, context.signal)
          : await deliverToFolder(context.context.outboxDir, report);
        return { reportId, ...delivery };
      } catch (error) {
        throw new ToolExecutionError(TOOL_NAME, `Could not publish the report to ${context.context.outboxDir}: ${(error as Error).message}`, {
          retryable: true,
          cause: error,
        });
      }
    },
  });
}

/** Publishes a Markdown report to the outbox (a folder or `s3://bucket/prefix`), once per call. */
export const publishReport = createPublishReport();
