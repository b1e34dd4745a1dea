import { toolHandler } from '../shared/framework';
import { getDocument } from './tool';

/** AWS Lambda entry point of `get_document`. */
export const handler = toolHandler(getDocument);
