import { EventType, type ApprovalStore, type EventLog } from '../../framework/internal';
import { ExecutionStatus } from '../constants';
import type { ExecutionManager } from '../executions/execution-manager';
import type { ExecutionRecord } from '../executions/types';
import type { RunSummary, RunsResponse } from './api-types';

/** How many runs the list sends at most (the newest). */
export const MAX_LISTED_RUNS = 500;
const TASK_PREVIEW_CHARACTERS = 300;

interface Progress {
  /** The last event read. */
  cursor: number;
  iterations: number;
  /** `null` while the model has no price (the run reports no dollar figure then). */
  costUsd: number | null;
  /** Read to the end after the execution stopped (redrive count then): nothing more will come. */
  settledAt?: number;
}

function taskOf(input: string): string {
  try {
    const parsed = JSON.parse(input) as { task?: unknown };
    const task = typeof parsed?.task === 'string' ? parsed.task : '';
    return task.length > TASK_PREVIEW_CHARACTERS ? `${task.slice(0, TASK_PREVIEW_CHARACTERS - 1)}…` : task;
  } catch {
    return '';
  }
}

function outputFigures(output: string | undefined): { iterations: number; costUsd: number | null } | undefined {
  if (output === undefined) return undefined;
  try {
    const parsed = JSON.parse(output) as { iterations?: unknown; costUsd?: unknown };
    if (typeof parsed.iterations === 'number' && (typeof parsed.costUsd === 'number' || parsed.costUsd === null)) return { iterations: parsed.iterations, costUsd: parsed.costUsd };
  } catch {
    // An output without the figures: the events have them.
  }
  return undefined;
}

/**
 * The runs list of the console: every execution of every state machine, newest first, with its
 * task, iterations and cost. Iterations and cost of a running execution come from its progress
 * events, read incrementally (only what is new since the last poll); an execution that ended is
 * read once more and then never again until it is redriven.
 *
 * @example
 * const runs = new RunSummaries({ manager, events: stores.events, approvals: stores.approvals });
 * const { runs: newest } = await runs.list();
 */
export class RunSummaries {
  private readonly progress = new Map<string, Progress>();

  constructor(private readonly options: { readonly manager: ExecutionManager; readonly events: EventLog; readonly approvals: ApprovalStore }) {}

  async list(limit = MAX_LISTED_RUNS): Promise<RunsResponse> {
    const executions = this.options.manager
      .stateMachines()
      .flatMap((machine) => this.options.manager.list(machine.arn))
      .sort((a, b) => b.startDate - a.startDate);
    const pending = new Map<string, number>();
    for (const approval of await this.options.approvals.list()) pending.set(approval.executionArn, (pending.get(approval.executionArn) ?? 0) + 1);
    const newest = executions.slice(0, limit);
    const runs = await Promise.all(newest.map((execution) => this.summary(execution, pending.get(execution.executionArn) ?? 0)));
    return { runs, total: executions.length };
  }

  private async summary(execution: ExecutionRecord, pendingApprovals: number): Promise<RunSummary> {
    const figures = outputFigures(execution.output) ?? (await this.figuresFromEvents(execution));
    return {
      executionArn: execution.executionArn,
      name: execution.name,
      agent: execution.stateMachineName,
      task: taskOf(execution.input),
      status: execution.status,
      startDate: execution.startDate,
      ...(execution.stopDate !== undefined ? { stopDate: execution.stopDate } : {}),
      iterations: figures.iterations,
      costUsd: figures.costUsd,
      pendingApprovals,
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      redriveCount: execution.redriveCount,
    };
  }

  private async figuresFromEvents(execution: ExecutionRecord): Promise<{ iterations: number; costUsd: number | null }> {
    const progress: Progress = this.progress.get(execution.executionArn) ?? { cursor: 0, iterations: 0, costUsd: 0 };
    this.progress.set(execution.executionArn, progress);
    const running = execution.status === ExecutionStatus.Running;
    if (!running && progress.settledAt === execution.redriveCount) return progress;
    // A damaged log must not take the whole list down: this run shows what was read so far.
    const events = await this.options.events.read(execution.executionArn, { after: progress.cursor }).catch(() => []);
    for (const { seq, event } of events) {
      progress.cursor = seq;
      progress.iterations = Math.max(progress.iterations, event.iteration ?? 0);
      if (event.type === EventType.UsageUpdated || event.type === EventType.RunCompleted) progress.costUsd = event.costUsd;
    }
    if (!running) progress.settledAt = execution.redriveCount;
    return progress;
  }
}
