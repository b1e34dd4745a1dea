import { toolHandler } from '../shared/framework';
import { classifyContent } from './tool';

/** AWS Lambda entry point of `classify_content`. */
export const handler = toolHandler(classifyContent);
