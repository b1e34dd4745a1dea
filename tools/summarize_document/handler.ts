import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { summarizeDocument } from './tool';

/** AWS Lambda entry point of `summarize_document`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(summarizeDocument, { context: bundledToolsContext(process.env) });
