export { runAgent, type RunInput, type RunOptions, type RunResult } from './runner';
export type { ToolInvoker } from './run-context';
export { aborted, costExceeds, durationExceeds, iterationCountIs, tokensExceed, type StopCondition } from './stop-conditions';
