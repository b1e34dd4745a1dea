/**
 * The one place the tools import the framework from. It names the framework's tool modules
 * rather than `framework/index.ts` on purpose: a tool's Lambda bundle then holds the tool
 * contract and handler only, not the runner, the model clients (openai) or the config loader.
 */
export { defineTool, type AnyTool, type Tool, type ToolWorkspace } from '../../framework/tool';
export { ToolArgumentsError, ToolExecutionError } from '../../framework/errors';
export { toolHandler, bundledCorpusDir, ToolWorkspaceDefaults } from '../../framework/tool-handler';
