import type { DecisionOutcome, RunStatus } from './constants';
import type { CostBreakdown } from './cost';
import type { Usage } from './model';
import { EventLogWriteError } from './errors';

/** Event type names, shared by the runner, the event logs, the engine's SSE stream and the CLI. */
export const EventType = {
  RunStarted: 'run.started',
  ModelStep: 'model.step',
  TextDelta: 'model.delta',
  ToolCalled: 'tool.called',
  ToolCompleted: 'tool.completed',
  ToolFailed: 'tool.failed',
  ApprovalRequested: 'approval.requested',
  ApprovalDecided: 'approval.decided',
  UsageUpdated: 'usage.updated',
  RunPaused: 'run.paused',
  RunCompleted: 'run.completed',
  RunFailed: 'run.failed',
  Warning: 'run.warning',
  /**
   * The turn stopped without an outcome (aborted, stopped, or a tool call whose outcome is
   * unknown): its last checkpoint stands and a retried container or a redrive continues from it.
   */
  RunInterrupted: 'run.interrupted',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

interface EventBase {
  /** The run (execution) this event belongs to. */
  readonly runId: string;
  readonly agent: string;
  /** ISO-8601 time the event happened. */
  readonly at: string;
  /** The loop iteration (1-based) the event happened in; 0 before the first. */
  readonly iteration: number;
}

/**
 * Every step of a run, as a discriminated union on `type`.
 *
 * - `model.delta` — text of the model's reply (a thought or the final answer) as it streams in,
 *   coalesced to a few events a second. The deltas of one `iteration` and `attempt` joined are the
 *   text of that attempt. A higher `attempt` in the same iteration means the previous stream broke
 *   off and the model is answering again from the start: discard the earlier attempt's text. The
 *   `model.step` event that follows carries the complete thought; the answer is in `run.completed`.
 *   Text-protocol agents stream their raw `Thought:/Action:` text.
 * - `usage.updated`, `run.paused`, `run.completed`, `run.failed` carry the run's cost so far:
 *   `costUsd` (the total, null when a model has no price) and `cost`, the line-by-line
 *   `CostBreakdown` (model tokens, container, Lambda, Step Functions).
 * - `run.warning` — something the user should know that does not stop the run (a model without a price).
 */
export type StepwiseEvent =
  | (EventBase & { readonly type: typeof EventType.RunStarted; readonly task: string; readonly model: string; readonly resumed: boolean })
  | (EventBase & { readonly type: typeof EventType.TextDelta; readonly text: string; readonly attempt: number })
  | (EventBase & { readonly type: typeof EventType.ModelStep; readonly thought: string; readonly toolCalls: readonly { id: string; name: string }[]; readonly final: boolean })
  | (EventBase & { readonly type: typeof EventType.ToolCalled; readonly callId: string; readonly tool: string; readonly args: unknown })
  | (EventBase & { readonly type: typeof EventType.ToolCompleted; readonly callId: string; readonly tool: string; readonly durationMs: number; readonly preview: string })
  | (EventBase & { readonly type: typeof EventType.ToolFailed; readonly callId: string; readonly tool: string; readonly durationMs: number; readonly error: { name: string; message: string }; readonly args?: unknown })
  | (EventBase & {
      readonly type: typeof EventType.ApprovalRequested;
      readonly approvalId: string;
      readonly callId: string;
      readonly tool: string;
      readonly args: unknown;
      readonly reasoning: string;
      /** Set when a resumed turn found the approval still undecided and asks for it again (same id). */
      readonly repeated?: true;
    })
  | (EventBase & { readonly type: typeof EventType.ApprovalDecided; readonly approvalId: string; readonly callId: string; readonly tool: string; readonly outcome: DecisionOutcome; readonly reason?: string })
  | (EventBase & { readonly type: typeof EventType.UsageUpdated; readonly usage: Usage; readonly costUsd: number | null; readonly cost: CostBreakdown })
  | (EventBase & { readonly type: typeof EventType.RunPaused; readonly status: typeof RunStatus.AwaitingApproval; readonly pendingApprovals: number; readonly costUsd: number | null; readonly cost: CostBreakdown })
  | (EventBase & { readonly type: typeof EventType.RunCompleted; readonly answer: string; readonly usage: Usage; readonly costUsd: number | null; readonly cost: CostBreakdown })
  | (EventBase & { readonly type: typeof EventType.RunFailed; readonly error: { name: string; message: string }; readonly usage?: Usage; readonly costUsd?: number | null; readonly cost?: CostBreakdown })
  | (EventBase & { readonly type: typeof EventType.Warning; readonly message: string })
  | (EventBase & { readonly type: typeof EventType.RunInterrupted; readonly error: { name: string; message: string } });

/** A function that receives events as they happen. */
export type EventListener = (event: StepwiseEvent) => void | Promise<void>;

/**
 * Where one run's events go, in order as each happens: **sinks** that must take every event (the
 * durable event log, which clients such as `stepwise run` wait on for an approval request) and
 * **observers** that are told on a best-effort basis (a progress display). A sink that fails
 * fails the emit with `EventLogWriteError`, before any observer is told; an observer that fails
 * changes nothing.
 */
export class EventStream {
  private readonly sinks: EventListener[] = [];
  private readonly listeners = new Set<EventListener>();

  /** Adds a sink that must take every event. */
  addSink(sink: EventListener): void {
    this.sinks.push(sink);
  }

  /** Adds an observer; returns a function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Delivers an event to every sink, then to every observer. Throws `EventLogWriteError` when a
   * sink fails; with `observersOnly` (an event that cannot be recorded anyway) the sinks are skipped.
   */
  async emit(event: StepwiseEvent, options: { readonly observersOnly?: boolean } = {}): Promise<void> {
    if (!options.observersOnly) {
      for (const sink of this.sinks) {
        try {
          await sink(event);
        } catch (error) {
          throw new EventLogWriteError(event.type, { cause: error });
        }
      }
    }
    for (const listener of this.listeners) {
      try {
        await listener(event);
      } catch {
        // A broken progress display must never break the agent.
      }
    }
  }
}
