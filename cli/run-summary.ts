import { EventType, type CostBreakdown, type LedgerEntry, type RunResult, type RunStateData, type StepwiseEvent } from '../framework';

/** One tool call in `--json` output. */
export interface ToolCallSummary {
  readonly tool: string;
  readonly args: unknown;
  readonly ok: boolean;
  readonly approved?: boolean;
}

/** How a run ended, as `stepwise run` reports it: from a result in process, or from an execution. */
export interface RunOutcome {
  readonly status: string;
  readonly answer: string | null;
  readonly iterations: number;
  readonly toolCalls: readonly ToolCallSummary[];
  readonly usage: { inputTokens: number; outputTokens: number };
  /** The whole cost in USD; null when a model has no price. */
  readonly costUsd: number | null;
  /** The cost line by line (model tokens, Fargate, Lambda, Step Functions), when known. */
  readonly cost?: CostBreakdown;
  readonly model: string;
  readonly error?: { name: string; message: string };
  readonly executionArn?: string;
}

/** The tool calls of a run in the order the model made them, from its ledger. */
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

/**
 * The tool calls of a run from its progress events, for runs followed through an engine whose
 * checkpoints this process cannot read. The arguments are the ones the call ran with (a human's
 * edit included), or the requested ones when it never ran.
 */
export function toolCallsFromEvents(events: readonly StepwiseEvent[]): ToolCallSummary[] {
  const calls = new Map<string, { tool: string; args?: unknown; ok: boolean; approved?: boolean }>();
  const call = (id: string, tool: string) => {
    if (!calls.has(id)) calls.set(id, { tool, ok: false });
    return calls.get(id)!;
  };
  for (const event of events) {
    if (event.type === EventType.ModelStep) for (const requested of event.toolCalls) call(requested.id, requested.name);
    else if (event.type === EventType.ApprovalRequested) call(event.callId, event.tool).args ??= event.args;
    else if (event.type === EventType.ApprovalDecided) call(event.callId, event.tool).approved = event.outcome === 'approved';
    else if (event.type === EventType.ToolCalled) call(event.callId, event.tool).args = event.args;
    else if (event.type === EventType.ToolCompleted) call(event.callId, event.tool).ok = true;
    else if (event.type === EventType.ToolFailed) {
      const failed = call(event.callId, event.tool);
      failed.ok = false;
      failed.args ??= event.args;
    }
  }
  return [...calls.values()].map(({ tool, args, ok, approved }) => ({ tool, args, ok, ...(approved === undefined ? {} : { approved }) }));
}

/** The outcome of a run made in this process. */
export function outcomeOf(result: RunResult): RunOutcome {
  return {
    status: result.status,
    answer: result.status === 'COMPLETED' ? result.answer : null,
    iterations: result.iterations,
    toolCalls: toolCallsOf(result.state.toJSON()),
    usage: result.usage,
    costUsd: result.costUsd,
    cost: result.cost,
    model: result.model,
    ...(result.status === 'FAILED' ? { error: result.error } : {}),
  };
}

/** The latest cost a run's events reported (every turn's end and every model call carry one). */
export function costFromEvents(events: readonly StepwiseEvent[]): { costUsd: number | null; cost: CostBreakdown } | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if ('cost' in event && event.cost !== undefined) return { costUsd: event.costUsd ?? null, cost: event.cost };
  }
  return undefined;
}
