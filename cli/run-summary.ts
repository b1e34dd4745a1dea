import type { LedgerEntry, RunResult, RunStateData } from '../framework';

/** One tool call in `--json` output. */
export interface ToolCallSummary {
  readonly tool: string;
  readonly args: unknown;
  readonly ok: boolean;
  readonly approved?: boolean;
}

/** The one JSON object `stepwise run --json` prints. */
export interface RunSummary {
  readonly status: string;
  readonly answer: string | null;
  readonly iterations: number;
  readonly toolCalls: readonly ToolCallSummary[];
  readonly usage: { inputTokens: number; outputTokens: number };
  readonly costUsd: number;
  readonly model: string;
  readonly error?: { name: string; message: string };
  readonly executionArn?: string;
}

/** The tool calls of a run in the order the model made them. */
export function toolCallsOf(state: Pick<RunStateData, 'messages' | 'ledger'>): ToolCallSummary[] {
  const ordered: LedgerEntry[] = [];
  for (const message of state.messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.toolCalls ?? []) if (state.ledger[call.id]) ordered.push(state.ledger[call.id]);
  }
  return ordered.map((entry) => ({
    tool: entry.tool,
    args: entry.args,
    ok: entry.status === 'completed',
    ...(entry.approval ? { approved: entry.approval.outcome === 'approved' } : {}),
  }));
}

/** Builds the `--json` summary of a finished run. */
export function summarize(result: RunResult, extra: { executionArn?: string } = {}): RunSummary {
  const data = result.state.toJSON();
  return {
    status: result.status,
    answer: result.status === 'COMPLETED' ? result.answer : null,
    iterations: result.iterations,
    toolCalls: toolCallsOf(data),
    usage: result.usage,
    costUsd: Number(result.costUsd.toFixed(6)),
    model: result.model,
    ...(result.status === 'FAILED' ? { error: result.error } : {}),
    ...extra,
  };
}
