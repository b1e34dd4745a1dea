import { toolHandler } from '../shared/framework';
import { analyzeData } from './tool';

/** AWS Lambda entry point of `analyze_data`. */
export const handler = toolHandler(analyzeData);
