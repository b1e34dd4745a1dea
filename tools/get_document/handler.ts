import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { getDocument } from './tool';

/** AWS Lambda entry point of `get_document`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(getDocument, { context: bundledToolsContext(process.env) });
