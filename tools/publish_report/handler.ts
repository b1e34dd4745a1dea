import { toolHandler } from '../shared/framework';
import { bundledToolsContext } from '../workspace';
import { publishReport } from './tool';

/** AWS Lambda entry point of `publish_report`; its context (corpus, outbox) is read from the function's environment at cold start. */
export const handler = toolHandler(publishReport, { context: bundledToolsContext(process.env) });
