/**
 * `stepwise-agents/lambda`: what a tool's Lambda handler needs and nothing else.
 *
 * A tool function's cold start pays for every module its bundle loads. The main entry
 * (`stepwise-agents`) carries the runner, the model clients (openai, the Bedrock SDK), the stores
 * (the DynamoDB and S3 clients) and the config loader (jiti); this entry carries the tool contract,
 * the handler and the errors a tool throws. It must never import any of those: a test loads the
 * built entry in a fresh process and lists the modules it pulled in.
 *
 * @example
 * import { defineTool, toolHandler } from 'stepwise-agents/lambda';
 * import { z } from 'zod';
 *
 * export const echo = defineTool({ name: 'echo', description: 'Echoes text.', parameters: z.object({ text: z.string() }), execute: async ({ text }) => ({ text }) });
 * export const handler = toolHandler(echo);
 */
export { defineTool, isTool, type AnyTool, type ApprovalOutcome, type NeedsApproval, type Tool, type ToolContext, type ToolFor, type ToolMeter, type ToolOptions } from './tool';
export { StepwiseError, ToolArgumentsError, ToolContextMissingError, ToolExecutionError, ToolTimeoutError, type ArgumentIssue, type ErrorFault } from './errors';
export {
  toolHandler,
  type ToolHandlerArgs,
  type ToolInvocationEvent,
  type ToolResultEnvelope,
  type ToolErrorBody,
  type ToolLambdaHandler,
  type ToolHandlerOptions,
} from './tool-handler';
