import { toolHandler } from '../shared/framework';
import { extractEntities } from './tool';

/** AWS Lambda entry point of `extract_entities`. */
export const handler = toolHandler(extractEntities);
