import type { Agent } from '../agent';
import { costBreakdown, pricedUsd, type CostBreakdown, type PriceTable } from '../cost';
import { EventLogWriteError } from '../errors';
import { EventStream, type StepwiseEvent } from '../events';
import { JournalWriter, type JournalWriterOptions } from '../journal/journal-writer';
import type { Model } from '../model';
import type { RunState } from '../run-state';
import type { AnyTool, ToolContext, ToolMeter } from '../tool';
import type { RunPlatform } from './platform';

/** Calls a tool: in process by default; the container passes one that goes through the Lambda API. */
export type ToolInvoker = (tool: AnyTool, args: unknown, context: ToolContext) => Promise<unknown>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before the runner stamps it with the run id, agent, time and iteration. */
export type EventBody = DistributiveOmit<StepwiseEvent, 'runId' | 'agent' | 'at' | 'iteration'>;

/** Everything one run needs, resolved once. @internal */
export class RunContext {
  private segmentStart = performance.now();
  private readonly journal: JournalWriter;
  /** Event times within one millisecond share one ISO string: formatting a date costs more than the rest of an event. */
  private clock = { ms: -1, iso: '' };
  /** Given to every tool call (`ToolContext.meter`): adds what the call consumed on AWS to the run's resources. */
  readonly toolMeter: ToolMeter = {
    lambdaInvoked: ({ billedMs, memoryMiB }) => {
      const resources = this.state.mutable.resources;
      resources.lambdaRequests += 1;
      if (memoryMiB !== undefined && Number.isFinite(billedMs) && Number.isFinite(memoryMiB)) resources.lambdaGbSeconds += (Math.max(0, billedMs) / 1000) * (Math.max(0, memoryMiB) / 1024);
    },
  };

  constructor(
    readonly agent: Agent,
    readonly state: RunState,
    readonly model: Model,
    /** The application's context for the tools (`runAgent`'s `context`); undefined when none was given. */
    readonly toolContext: unknown,
    readonly invokeTool: ToolInvoker,
    readonly prices: PriceTable,
    readonly toolConcurrency: number,
    readonly events: EventStream,
    readonly signal: AbortSignal | undefined,
    journal: Omit<JournalWriterOptions, 'beforeCommit'>,
    readonly platform: RunPlatform | undefined,
    /** Whether a tool's calls leave this process, so that a timeout leaves their outcome unknown. */
    readonly isRemoteTool: (tool: AnyTool) => boolean = () => false,
  ) {
    this.journal = new JournalWriter(state, {
      ...journal,
      beforeCommit: () => {
        this.closeSegment();
        this.meter();
        this.state.mutable.updatedAt = new Date().toISOString();
      },
    });
  }

  findTool(name: string): AnyTool | undefined {
    return this.agent.tools.find((tool) => tool.name === name);
  }

  /** Emits an event stamped with this run's identity; throws `EventLogWriteError` when the event log cannot take it. */
  emit(event: EventBody, options?: { readonly observersOnly?: boolean }): Promise<void> {
    return this.events.emit(this.stamp(event), options);
  }

  /**
   * Emits the event of a step that is already committed (a tool's result, the run's end). When the
   * event log cannot take it, the event is committed with the state as unannounced, so the next
   * turn records it first, and the `EventLogWriteError` goes on to stop this turn.
   */
  async announce(event: EventBody): Promise<void> {
    const stamped = this.stamp(event);
    try {
      await this.events.emit(stamped);
    } catch (error) {
      if (!(error instanceof EventLogWriteError)) throw error;
      const data = this.state.mutable;
      data.unannounced = [...(data.unannounced ?? []), stamped];
      await this.checkpoint();
      throw error;
    }
  }

  /** Records the events an earlier turn committed but could not log, before anything else happens. */
  async announceUnannounced(): Promise<void> {
    const data = this.state.mutable;
    for (const event of data.unannounced ?? []) await this.events.emit(event);
    if (data.unannounced === undefined) return;
    delete data.unannounced;
    await this.checkpoint();
  }

  private stamp(event: EventBody): StepwiseEvent {
    const data = this.state.mutable;
    const now = Date.now();
    if (now !== this.clock.ms) this.clock = { ms: now, iso: new Date(now).toISOString() };
    // Object.assign, not a spread: events come in a dozen shapes, and a megamorphic spread costs twice as much.
    return Object.assign({}, event, { runId: data.runId, agent: data.agent, at: this.clock.iso, iteration: data.iterations }) as StepwiseEvent;
  }

  /** Working time of this run so far, including the current segment. */
  activeMs(): number {
    return this.state.mutable.activeMs + (performance.now() - this.segmentStart);
  }

  /** Folds the current working segment into the state (before pausing or finishing). */
  closeSegment(): void {
    const now = performance.now();
    this.state.mutable.activeMs += now - this.segmentStart;
    this.segmentStart = now;
  }

  /**
   * Brings the run's platform usage up to now (this turn's container time, the workflow's
   * transitions for the state's status), prices it all, and keeps the priced total in
   * `costUsd` for the cost budget.
   */
  meter(): CostBreakdown {
    const data = this.state.mutable;
    const { container } = this.platform ?? {};
    if (container) data.resources.containerSeconds = Math.max(0, (Date.now() - container.startedAt) / 1000);
    const workflow = this.platform?.workflowUsage?.(data);
    if (workflow) {
      data.resources.stateTransitions = workflow.stateTransitions;
      data.resources.workflowLambdaRequests = workflow.lambdaRequests;
      data.resources.workflowLambdaGbSeconds = workflow.lambdaGbSeconds;
    }
    const cost = costBreakdown(data.usageByModel, data.resources, this.prices);
    data.costUsd = pricedUsd(cost);
    return cost;
  }

  /**
   * Commits the state: one journal record with what changed since the last commit (commits asked
   * for together share one), then `onCheckpoint`. A failed write fails the run rather than losing a
   * step silently.
   */
  checkpoint(options?: { readonly deferSync?: boolean }): Promise<void> {
    return this.journal.commit(options);
  }

  /** Ends the run's hold on its journal. */
  closeJournal(): Promise<void> {
    return this.journal.close();
  }
}
