import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { classifyContent } from './tool';

/** AWS Lambda entry point of `classify_content`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(classifyContent, { context: bundledToolsContext(process.env) });
