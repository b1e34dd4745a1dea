/**
 * The bundled tools: each a `defineTool` tool with a zod schema, an offline implementation and
 * a Lambda handler (`tools/<name>/handler.ts`).
 */
import type { AnyTool } from './shared/framework';
import { analyzeData } from './analyze_data/tool';
import { classifyContent } from './classify_content/tool';
import { extractEntities } from './extract_entities/tool';
import { getDocument } from './get_document/tool';
import { publishReport } from './publish_report/tool';
import { requestApproval } from './request_approval/tool';
import { searchDocuments } from './search_documents/tool';
import { summarizeDocument } from './summarize_document/tool';

export { searchDocuments, getDocument, summarizeDocument, extractEntities, classifyContent, analyzeData, publishReport, requestApproval };
export { extractEntitiesFromText } from './extract_entities/tool';
export { createPublishReport, type PublishReportOptions } from './publish_report/tool';
export { summarize } from './summarize_document/tool';
export { classify } from './classify_content/tool';
export { analyzeCsv } from './analyze_data/tool';
export { BundledToolsDefaults, BundledToolsEnv, bundledCorpusDir, bundledToolsContext, type BundledToolContext, type BundledToolsContext } from './workspace';
export { CorpusNotFoundError, DocumentNotFoundError } from './shared/errors';

export type { SearchDocumentsArgs, SearchDocumentsResult, SearchHit } from './search_documents/schema';
export type { GetDocumentArgs, GetDocumentResult } from './get_document/schema';
export type { SummarizeDocumentArgs, SummarizeDocumentResult } from './summarize_document/schema';
export type { ExtractEntitiesArgs, ExtractEntitiesResult, EntityMention, EntityType } from './extract_entities/schema';
export type { ClassifyContentArgs, ClassifyContentResult, CategoryScore } from './classify_content/schema';
export type { AnalyzeDataArgs, AnalyzeDataResult, ColumnStats, GroupStats } from './analyze_data/schema';
export type { PublishReportArgs, PublishReportResult } from './publish_report/schema';
export type { RequestApprovalArgs, RequestApprovalResult, RiskLevel } from './request_approval/schema';

/** Every bundled tool, in the order an agent would usually list them. */
export const bundledTools: readonly AnyTool[] = [
  searchDocuments,
  getDocument,
  summarizeDocument,
  extractEntities,
  classifyContent,
  analyzeData,
  publishReport,
  requestApproval,
];
