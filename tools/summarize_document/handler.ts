import { toolHandler } from '../shared/framework';
import { summarizeDocument } from './tool';

/** AWS Lambda entry point of `summarize_document`. */
export const handler = toolHandler(summarizeDocument);
