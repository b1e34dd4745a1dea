import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { extractEntities } from './tool';

/** AWS Lambda entry point of `extract_entities`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(extractEntities, { context: bundledToolsContext(process.env) });
