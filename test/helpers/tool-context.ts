import type { ToolContext } from '../../framework/tool';

/** The context a tool call gets in these tests: call `call-7` of execution `exec-9`, never aborted unless overridden. */
export function toolContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    callId: 'call-7',
    idempotencyKey: 'exec-9:call-7',
    executionId: 'exec-9',
    context: undefined,
    signal: new AbortController().signal,
    ...overrides,
  };
}
