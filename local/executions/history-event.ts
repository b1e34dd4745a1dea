/**
 * Execution history in the shape of the Step Functions `GetExecutionHistory` API. Times are kept
 * in epoch milliseconds and turned into epoch seconds when served.
 */

/** History event types the engine records (a subset of the AWS `HistoryEventType` values). */
export const HistoryEventType = {
  ExecutionStarted: 'ExecutionStarted',
  ExecutionSucceeded: 'ExecutionSucceeded',
  ExecutionFailed: 'ExecutionFailed',
  ExecutionAborted: 'ExecutionAborted',
  ExecutionTimedOut: 'ExecutionTimedOut',
  ExecutionRedriven: 'ExecutionRedriven',
  TaskScheduled: 'TaskScheduled',
  TaskStarted: 'TaskStarted',
  TaskSubmitted: 'TaskSubmitted',
  TaskSubmitFailed: 'TaskSubmitFailed',
  TaskSucceeded: 'TaskSucceeded',
  TaskFailed: 'TaskFailed',
  TaskTimedOut: 'TaskTimedOut',
  MapStateStarted: 'MapStateStarted',
  MapStateSucceeded: 'MapStateSucceeded',
  MapStateFailed: 'MapStateFailed',
  MapStateAborted: 'MapStateAborted',
  MapIterationStarted: 'MapIterationStarted',
  MapIterationSucceeded: 'MapIterationSucceeded',
  MapIterationFailed: 'MapIterationFailed',
  MapIterationAborted: 'MapIterationAborted',
  ParallelStateStarted: 'ParallelStateStarted',
  ParallelStateSucceeded: 'ParallelStateSucceeded',
  ParallelStateFailed: 'ParallelStateFailed',
} as const;
export type HistoryEventType = (typeof HistoryEventType)[keyof typeof HistoryEventType];

/** Details keys of the AWS history event, by the kind of event. */
export interface HistoryEventDetails {
  executionStartedEventDetails?: { input: string; inputDetails: { truncated: boolean }; roleArn: string };
  executionSucceededEventDetails?: { output: string; outputDetails: { truncated: boolean } };
  executionFailedEventDetails?: { error?: string; cause?: string };
  executionAbortedEventDetails?: { error?: string; cause?: string };
  executionTimedOutEventDetails?: { error?: string; cause?: string };
  executionRedrivenEventDetails?: { redriveCount: number };
  taskScheduledEventDetails?: {
    resourceType: string;
    resource: string;
    region: string;
    parameters: string;
    timeoutInSeconds?: number;
    heartbeatInSeconds?: number;
  };
  taskStartedEventDetails?: { resourceType: string; resource: string };
  taskSubmittedEventDetails?: { resourceType: string; resource: string; output: string; outputDetails: { truncated: boolean } };
  taskSubmitFailedEventDetails?: { resourceType: string; resource: string; error?: string; cause?: string };
  taskSucceededEventDetails?: { resourceType: string; resource: string; output: string; outputDetails: { truncated: boolean } };
  taskFailedEventDetails?: { resourceType: string; resource: string; error?: string; cause?: string };
  taskTimedOutEventDetails?: { resourceType: string; resource: string; error?: string; cause?: string };
  stateEnteredEventDetails?: { name: string; input: string; inputDetails: { truncated: boolean } };
  stateExitedEventDetails?: { name: string; output: string; outputDetails: { truncated: boolean } };
  mapStateStartedEventDetails?: { length?: number };
  mapIterationStartedEventDetails?: { name: string; index: number };
  mapIterationSucceededEventDetails?: { name: string; index: number };
  mapIterationFailedEventDetails?: { name: string; index: number };
  mapIterationAbortedEventDetails?: { name: string; index: number };
}

/** One event of an execution's history. */
export interface HistoryEvent extends HistoryEventDetails {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly type: string;
  readonly id: number;
  readonly previousEventId: number;
}

/** An event before the history numbers it. */
export type NewHistoryEvent = { readonly type: string } & HistoryEventDetails;
