import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { analyzeData } from './tool';

/** AWS Lambda entry point of `analyze_data`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(analyzeData, { context: bundledToolsContext(process.env) });
