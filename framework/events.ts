import type { DecisionOutcome, RunStatus } from './constants';
import type { Usage } from './model';

/** Event type names, shared by the runner, the event logs, the engine's SSE stream and the CLI. */
export const EventType = {
  RunStarted: 'run.started',
  ModelStep: 'model.step',
  ToolCalled: 'tool.called',
  ToolCompleted: 'tool.completed',
  ToolFailed: 'tool.failed',
  ApprovalRequested: 'approval.requested',
  ApprovalDecided: 'approval.decided',
  UsageUpdated: 'usage.updated',
  RunPaused: 'run.paused',
  RunCompleted: 'run.completed',
  RunFailed: 'run.failed',
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

/** Every step of a run, as a discriminated union on `type`. */
export type StepwiseEvent =
  | (EventBase & { readonly type: typeof EventType.RunStarted; readonly task: string; readonly model: string; readonly resumed: boolean })
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
  | (EventBase & { readonly type: typeof EventType.UsageUpdated; readonly usage: Usage; readonly costUsd: number })
  | (EventBase & { readonly type: typeof EventType.RunPaused; readonly status: typeof RunStatus.AwaitingApproval; readonly pendingApprovals: number })
  | (EventBase & { readonly type: typeof EventType.RunCompleted; readonly answer: string; readonly usage: Usage; readonly costUsd: number })
  | (EventBase & { readonly type: typeof EventType.RunFailed; readonly error: { name: string; message: string } })
  | (EventBase & { readonly type: typeof EventType.RunInterrupted; readonly error: { name: string; message: string } });

/** A function that receives events as they happen. */
export type EventListener = (event: StepwiseEvent) => void | Promise<void>;

/** Subscribers of one run's events, called in order as each event happens. */
export class EventStream {
  private readonly listeners = new Set<EventListener>();

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers an event to every listener; a listener that throws does not stop the run. */
  async emit(event: StepwiseEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(event);
      } catch {
        // A broken progress display must never break the agent.
      }
    }
  }
}
