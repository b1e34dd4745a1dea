/**
 * Where an execution is in its state machine, read from its AWS-shaped history: which states
 * are running now, which finished, which caught an error, which failed. The console colours the
 * graph with it and writes the same status as text on each state.
 *
 * No DOM and no Node APIs: this file is bundled into the console's script.
 */

/** The status of one state of an execution. */
export const StateStatus = {
  NotRun: 'not-run',
  InProgress: 'in-progress',
  Succeeded: 'succeeded',
  /** The state failed and a `Catch` took the execution elsewhere. */
  Caught: 'caught',
  Failed: 'failed',
  /** The execution was stopped while the state ran. */
  Stopped: 'stopped',
} as const;
export type StateStatus = (typeof StateStatus)[keyof typeof StateStatus];

/** The words shown for each status (the status is never told by colour alone). */
export const StateStatusLabel: Record<StateStatus, string> = {
  'not-run': 'Not run',
  'in-progress': 'In progress',
  succeeded: 'Succeeded',
  caught: 'Caught error',
  failed: 'Failed',
  stopped: 'Stopped',
};

/** A history event, as `GetExecutionHistory` serves it (only the fields read here). */
export interface HistoryEventLike {
  readonly id?: number;
  readonly type?: string;
  readonly stateEnteredEventDetails?: { readonly name?: string };
  readonly stateExitedEventDetails?: { readonly name?: string };
}

interface Tally {
  entered: number;
  exited: number;
  /** The last task of this state failed (and the state was left through a Catch). */
  lastTaskFailed: boolean;
  failedHere: boolean;
}

const TASK_FAILURES = new Set(['TaskFailed', 'TaskTimedOut', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut']);
const TASK_SUCCESSES = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded']);

/**
 * The status of every state the history mentions (states it does not mention have not run).
 *
 * @example
 * const statuses = stateStatuses(history.events);
 * statuses.get('RunAgent'); // 'in-progress'
 */
export function stateStatuses(events: readonly HistoryEventLike[]): Map<string, StateStatus> {
  const tallies = new Map<string, Tally>();
  const open: string[] = [];
  let ending: StateStatus | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
      const name = event.stateEnteredEventDetails.name;
      const tally = tallies.get(name) ?? { entered: 0, exited: 0, lastTaskFailed: false, failedHere: false };
      tally.entered += 1;
      tally.lastTaskFailed = false;
      tally.failedHere = false;
      tallies.set(name, tally);
      open.push(name);
      if (type === 'FailStateEntered') tally.failedHere = true;
    } else if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
      const name = event.stateExitedEventDetails.name;
      const tally = tallies.get(name);
      if (tally) tally.exited += 1;
      const index = open.lastIndexOf(name);
      if (index !== -1) open.splice(index, 1);
    } else if (TASK_FAILURES.has(type) || TASK_SUCCESSES.has(type)) {
      // A task belongs to the innermost state that is still open.
      const owner = open.length > 0 ? tallies.get(open[open.length - 1]) : undefined;
      if (owner) owner.lastTaskFailed = TASK_FAILURES.has(type);
    } else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut') {
      ending = StateStatus.Failed;
    } else if (type === 'ExecutionAborted') {
      ending = StateStatus.Stopped;
    } else if (type === 'ExecutionSucceeded' || type === 'ExecutionRedriven' || type === 'ExecutionStarted') {
      ending = undefined;
    }
  }
  const statuses = new Map<string, StateStatus>();
  for (const [name, tally] of tallies) {
    if (tally.failedHere) statuses.set(name, StateStatus.Failed);
    else if (tally.entered > tally.exited) statuses.set(name, ending ?? StateStatus.InProgress);
    else statuses.set(name, tally.lastTaskFailed ? StateStatus.Caught : StateStatus.Succeeded);
  }
  return statuses;
}
