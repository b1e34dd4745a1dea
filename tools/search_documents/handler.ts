import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { searchDocuments } from './tool';

/** AWS Lambda entry point of `search_documents`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(searchDocuments, { context: bundledToolsContext(process.env) });
