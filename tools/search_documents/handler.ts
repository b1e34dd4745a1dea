import { toolHandler } from '../shared/framework';
import { searchDocuments } from './tool';

/** AWS Lambda entry point of `search_documents`. */
export const handler = toolHandler(searchDocuments);
