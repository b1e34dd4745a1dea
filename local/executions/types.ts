import type { ExecutionStatus, RedriveStatus } from '../constants';

/** A JSON value as the interpreter passes it between states. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a run re-enters the definition after a restart or a redrive. */
export interface ResumePoint {
  /** A top-level state of the definition. */
  readonly stateName: string;
  /** The input that state was entered with. */
  readonly input: Json;
  /** Counts top-level states entered; tasks of the same segment may be reused when re-entering it. */
  readonly segment: number;
}

/** One execution, as the engine persists it. Times are epoch milliseconds. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  /**
   * The version of the engine's code it started on (the config build, under `stepwise dev`): its
   * definition, its containers' config and its tools stay that version's, also when redriven or
   * after a restart. Absent in records of engines before versions.
   */
  readonly codeVersion?: string;
  readonly name: string;
  /** The execution input as the caller sent it (a JSON string). */
  readonly input: string;
  status: ExecutionStatus;
  readonly startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
  redriveStatus?: RedriveStatus;
  redriveStatusReason?: string;
  resume?: ResumePoint;
}

/** What kind of work a waiting task stands for. */
export type TaskKind = 'container' | 'lambda';

/** Where a task is in its life. */
export type TaskStatus = 'waiting' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** A Task state invocation waiting for (or done with) its task token. */
export interface TaskRecord {
  readonly token: string;
  readonly executionArn: string;
  readonly stateName: string;
  /** The state name and a digest of its parameters: the same task in a re-run has the same key. */
  readonly taskKey: string;
  readonly segment: number;
  readonly kind: TaskKind;
  readonly resource: string;
  readonly scheduledAt: number;
  /** Epoch ms after which the task fails with `States.Timeout`. */
  readonly timeoutAt?: number;
  readonly heartbeatSeconds?: number;
  /** Set for approval requests: the pending approval this token answers. */
  approvalId?: string;
  /**
   * Epoch ms when the Lambda invocation that carries the token returned (for an approval request:
   * the approval is recorded). A waiting Lambda task without it, resumed at engine start, is invoked
   * again: the engine may have stopped while its function ran, and then nothing would ever answer
   * the token. Unset does not prove the function did not finish (a graceful stop does not wait for
   * it; an older engine kept no mark): the approval notifier answers a request it has recorded with
   * the same token without recording or announcing it again.
   */
  submittedAt?: number;
  status: TaskStatus;
  output?: Json;
  error?: string;
  cause?: string;
  closedAt?: number;
}
