import { toolHandler } from '../shared/framework';
import { publishReport } from './tool';

/** AWS Lambda entry point of `publish_report`. */
export const handler = toolHandler(publishReport);
