import { randomBytes } from 'node:crypto';
import { AwsLimits } from '../../framework/limits';
import { SfnErrorCode } from '../constants';
import { sfnError } from '../errors';
import { StatesError } from '../../state-machines';
import { TaskStateError } from './task-error';
import type { Json, TaskRecord } from './types';

/** The first bytes of every token the engine mints: a version and a mark, so a foreign token is told apart. */
const TOKEN_MAGIC = Buffer.from([0x01, 0x53, 0x57, 0x01]);
/** Bytes of a token before base64: AWS's tokens are several hundred characters long, and so are these. */
const TOKEN_BYTES = 504;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A fresh task token, shaped like Step Functions' own: opaque base64, several hundred characters
 * (672), unguessable, and recognisable as the engine's. Code that carries tokens (container
 * overrides, approval records) is exercised with realistic sizes; AWS's can reach 2,048.
 */
export const mintTaskToken = (): string => Buffer.concat([TOKEN_MAGIC, randomBytes(TOKEN_BYTES - TOKEN_MAGIC.length)]).toString('base64');

/** Whether a string could be a token this engine minted. */
function isOurToken(token: string): boolean {
  return BASE64.test(token) && Buffer.from(token, 'base64').subarray(0, TOKEN_MAGIC.length).equals(TOKEN_MAGIC);
}

/** How a waiting task ended, for the code that waits on it. */
export type TaskOutcome =
  | { readonly kind: 'succeeded'; readonly output: Json }
  /** The execution stopped or the engine shut down: nobody waits for the result any more. */
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed' | 'timed_out'; readonly error: string; readonly cause: string };

interface WaitingTask {
  readonly record: TaskRecord;
  readonly settle: (outcome: TaskOutcome) => void;
  heartbeatTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
  /** Its container waits for a slot: no heartbeat can come, so the heartbeat clock does not run. */
  heartbeatPaused?: boolean;
}

/** Called whenever a task record changes, so the engine can persist it. */
export type TaskChangeListener = (record: TaskRecord) => void;

/**
 * Every task token the engine issued, and the tasks waiting on them. It enforces `TimeoutSeconds`
 * and `HeartbeatSeconds` itself: the interpreter ignores heartbeats and cannot resume a timer across
 * an engine restart.
 */
export class TaskTokens {
  private readonly records = new Map<string, TaskRecord>();
  private readonly waiting = new Map<string, WaitingTask>();
  /** Tasks re-armed at engine start, before the resumed run's handlers attach to them. */
  private readonly recovered = new Map<string, Promise<TaskOutcome>>();

  constructor(private readonly onChange: TaskChangeListener) {}

  /** Loads records persisted before a restart (only to answer for their tokens; nothing waits on them yet). */
  load(records: readonly TaskRecord[]): void {
    for (const record of records) this.records.set(record.token, record);
  }

  get(token: string): TaskRecord | undefined {
    return this.records.get(token);
  }

  /** Tasks of an execution, in the order they were scheduled. */
  ofExecution(executionArn: string): TaskRecord[] {
    return [...this.records.values()].filter((record) => record.executionArn === executionArn).sort((a, b) => a.scheduledAt - b.scheduledAt);
  }

  /**
   * Registers a waiting task (or re-attaches to one persisted before a restart) and resolves with how it
   * ended. Heartbeat and timeout timers start now.
   */
  wait(record: TaskRecord): Promise<TaskOutcome> {
    const recovered = this.recovered.get(record.token);
    if (recovered) {
      this.recovered.delete(record.token);
      return recovered;
    }
    this.records.set(record.token, record);
    this.onChange(record);
    return new Promise<TaskOutcome>((resolve) => {
      const waiting: WaitingTask = { record, settle: resolve };
      this.waiting.set(record.token, waiting);
      if (record.timeoutAt !== undefined) {
        waiting.timeoutTimer = setTimeout(
          () => this.close(record.token, { kind: 'timed_out', error: StatesError.Timeout, cause: `The task did not finish within its TimeoutSeconds.` }),
          Math.max(0, record.timeoutAt - Date.now()),
        );
      }
      this.armHeartbeat(waiting);
    });
  }

  /**
   * Makes a task persisted as waiting answerable again at engine start, with its remaining timeout,
   * so a token issued before the restart works even before the resumed run reaches the task.
   */
  rearm(record: TaskRecord): void {
    this.recovered.set(record.token, this.wait(record));
  }

  /** SendTaskSuccess. */
  succeed(token: unknown, output: Json): void {
    this.close(this.requireWaiting(token).record.token, { kind: 'succeeded', output });
  }

  /** SendTaskFailure. */
  fail(token: unknown, error: string, cause: string): void {
    this.close(this.requireWaiting(token).record.token, { kind: 'failed', error, cause });
  }

  /** SendTaskHeartbeat: restarts the heartbeat timer. */
  heartbeat(token: unknown): void {
    const waiting = this.requireWaiting(token);
    if (!waiting.heartbeatPaused) this.armHeartbeat(waiting);
  }

  /**
   * Stops a task's heartbeat clock while its container waits for a slot (the engine's container
   * cap): nothing can send a heartbeat for a container that has not started, and a task must not
   * time out in the queue. `TimeoutSeconds` keeps running. No-op once the task closed.
   */
  pauseHeartbeat(token: string): void {
    const waiting = this.waiting.get(token);
    if (!waiting) return;
    waiting.heartbeatPaused = true;
    if (waiting.heartbeatTimer) clearTimeout(waiting.heartbeatTimer);
    waiting.heartbeatTimer = undefined;
  }

  /** Starts the heartbeat clock again, from now: the task's container got its slot. */
  resumeHeartbeat(token: string): void {
    const waiting = this.waiting.get(token);
    if (!waiting) return;
    waiting.heartbeatPaused = false;
    this.armHeartbeat(waiting);
  }

  /** Records that the invocation carrying a waiting task's token returned (`TaskRecord.submittedAt`). No-op once closed. */
  markSubmitted(token: string): void {
    const waiting = this.waiting.get(token);
    if (!waiting) return;
    waiting.record.submittedAt = Date.now();
    this.onChange(waiting.record);
  }

  /** Fails a waiting task from the engine's side (a container exited without a result). No-op once closed. */
  failIfWaiting(token: string, error: string, cause: string): void {
    if (this.waiting.has(token)) this.close(token, { kind: 'failed', error, cause });
  }

  /** Whether the task still waits for its token. */
  isWaiting(token: string): boolean {
    return this.waiting.has(token);
  }

  /**
   * Stops waiting on every task of an execution (it ended or was stopped); their tokens now answer
   * `TaskTimedOut`. Waiting handlers are settled as cancelled so the interpreter's own timers end.
   */
  cancelExecution(executionArn: string): TaskRecord[] {
    const cancelled: TaskRecord[] = [];
    for (const waiting of [...this.waiting.values()]) {
      if (waiting.record.executionArn !== executionArn) continue;
      this.clearTimers(waiting);
      this.waiting.delete(waiting.record.token);
      waiting.record.status = 'cancelled';
      waiting.record.closedAt = Date.now();
      this.onChange(waiting.record);
      cancelled.push(waiting.record);
      waiting.settle({ kind: 'cancelled' });
    }
    return cancelled;
  }

  /** Stops every timer (engine shutdown); persisted records keep their waiting status for the next start. */
  shutdown(): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.recovered.clear();
    for (const task of waiting) {
      this.clearTimers(task);
      task.settle({ kind: 'cancelled' });
    }
  }

  private close(token: string, outcome: Exclude<TaskOutcome, { kind: 'cancelled' }>): void {
    const waiting = this.waiting.get(token);
    if (!waiting) return;
    this.clearTimers(waiting);
    this.waiting.delete(token);
    const record = waiting.record;
    record.status = outcome.kind;
    record.closedAt = Date.now();
    if (outcome.kind === 'succeeded') record.output = outcome.output;
    else {
      record.error = outcome.error;
      record.cause = outcome.cause;
    }
    this.onChange(record);
    waiting.settle(outcome);
  }

  private armHeartbeat(waiting: WaitingTask): void {
    const seconds = waiting.record.heartbeatSeconds;
    if (seconds === undefined) return;
    if (waiting.heartbeatTimer) clearTimeout(waiting.heartbeatTimer);
    waiting.heartbeatTimer = setTimeout(
      () =>
        this.close(waiting.record.token, {
          kind: 'timed_out',
          error: StatesError.HeartbeatTimeout,
          cause: `No heartbeat (SendTaskHeartbeat) arrived within HeartbeatSeconds (${seconds} s).`,
        }),
      seconds * 1000,
    );
  }

  private clearTimers(waiting: WaitingTask): void {
    if (waiting.heartbeatTimer) clearTimeout(waiting.heartbeatTimer);
    if (waiting.timeoutTimer) clearTimeout(waiting.timeoutTimer);
  }

  /**
   * AWS answers `InvalidToken` for a malformed token and `TaskTimedOut` ("Provided task does not exist
   * anymore") for a token whose task already closed, whichever way it closed. A well-formed token the
   * engine never issued gets `TaskDoesNotExist`.
   */
  private requireWaiting(token: unknown): WaitingTask {
    if (typeof token === 'string' && token.length > AwsLimits.taskTokenChars) {
      throw sfnError(
        SfnErrorCode.ValidationException,
        `1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to ${AwsLimits.taskTokenChars}`,
      );
    }
    if (typeof token !== 'string' || !isOurToken(token)) {
      throw sfnError(SfnErrorCode.InvalidToken, `Invalid Token: '${String(token).slice(0, 64)}'`);
    }
    const waiting = this.waiting.get(token);
    if (waiting) return waiting;
    if (this.records.has(token)) throw sfnError(SfnErrorCode.TaskTimedOut, `Task Timed Out: 'Provided task does not exist anymore'`);
    throw sfnError(SfnErrorCode.TaskDoesNotExist, `Task does not exist: no task waits for this token`);
  }
}

/**
 * Turns a failed or timed-out outcome into the error the Task state fails with. A timeout of a
 * state whose `Catch` does not catch timeouts is not catchable at all: in Step Functions the
 * `States.TaskFailed` wildcard never matches a timeout (`interpreterDefinition` handles `Retry`).
 */
export const outcomeError = (outcome: Extract<TaskOutcome, { kind: 'failed' | 'timed_out' }>, catchesTimeout = true): TaskStateError => {
  const error = new TaskStateError(outcome.error, outcome.cause);
  return outcome.kind === 'timed_out' && !catchesTimeout ? Object.assign(error, { isCatchable: false }) : error;
};
