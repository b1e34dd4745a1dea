/**
 * The one place the tools import the framework from: `framework/lambda.ts`, the same entry users
 * import as `stepwise-agents/lambda`. A tool's Lambda bundle then holds the tool contract and the
 * handler only, not the runner, the model clients (openai) or the config loader.
 */
export { defineTool, ToolArgumentsError, ToolExecutionError, toolHandler, type AnyTool, type Tool, type ToolContext } from '../../framework/lambda';
