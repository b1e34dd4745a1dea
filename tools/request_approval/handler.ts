import { toolHandler } from '../shared/framework';
import { requestApproval } from './tool';

/** AWS Lambda entry point of `request_approval`. */
export const handler = toolHandler(requestApproval);
