import { ErrorName } from '../constants';
import { StepwiseError } from '../errors';

/** Base of the errors thrown by the checkpoint, event and approval stores. */
export class StoreError extends StepwiseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorName.CheckpointError, fault: 'system', cause: options.cause });
  }
}

/**
 * A journal record was not appended (or a snapshot not stored) because it does not continue what
 * the store holds: another writer of the same run got there first (a zombie container and its
 * replacement, or two in-process runs of one run id).
 */
export class CheckpointConflictError extends StoreError {
  readonly key: string;
  readonly attemptedSequence: number;
  /** The journal's last sequence when it is known (the file and memory stores know it; DynamoDB does not say). */
  readonly storedSequence?: number;
  constructor(key: string, attemptedSequence: number, storedSequence?: number, options: { cause?: unknown; reason?: 'append' | 'compact' } = {}) {
    const stored = storedSequence === undefined ? 'already holds it' : `ends at sequence ${storedSequence}`;
    super(
      options.reason === 'compact'
        ? `No snapshot of "${key}" was stored at sequence ${attemptedSequence}: the journal ${storedSequence === undefined ? 'is empty' : `ends at sequence ${storedSequence}`}. Compact only at a sequence you appended.`
        : `Record ${attemptedSequence} of "${key}" was not appended: the journal ${stored}. ` +
            'Another process is running this execution; stop this one and let the newer one continue.',
      { cause: options.cause },
    );
    this.key = key;
    this.attemptedSequence = attemptedSequence;
    this.storedSequence = storedSequence;
  }
}

/** Stored data cannot be read back (not JSON, or not the shape the store writes). */
export class StoreCorruptError extends StoreError {
  /** The file path, table item or S3 object that is broken. */
  readonly location: string;
  /**
   * @param options.remedy What the user can do, when the store knows better than the generic
   *   "move the damaged data aside" (e.g. which folder to move).
   */
  constructor(location: string, problem: string, options: { cause?: unknown; remedy?: string } = {}) {
    super(`Stored data at ${location} is unreadable: ${problem}. ${options.remedy ?? 'Move the damaged data aside (or delete it) and retry.'}`, { cause: options.cause });
    this.location = location;
  }
}

/** A lock file stayed busy longer than the lock timeout. */
export class StoreLockTimeoutError extends StoreError {
  readonly lockPath: string;
  readonly timeoutMs: number;
  constructor(lockPath: string, timeoutMs: number) {
    super(
      `Could not take the lock ${lockPath} within ${timeoutMs} ms: another process holds it. ` +
        'If no other Stepwise process is running, delete the lock file and retry.',
    );
    this.lockPath = lockPath;
    this.timeoutMs = timeoutMs;
  }
}

/** Appending to the DynamoDB event log kept losing races with other writers of the same execution. */
export class EventAppendConflictError extends StoreError {
  readonly executionId: string;
  readonly attempts: number;
  constructor(executionId: string, attempts: number, options: { cause?: unknown } = {}) {
    super(
      `Could not append events to execution "${executionId}" after ${attempts} attempts: other writers keep taking the next sequence. ` +
        'Make sure only one process writes events for an execution.',
      options,
    );
    this.executionId = executionId;
    this.attempts = attempts;
  }
}

/** A payload reference points to nothing (never written, or expired by the store's retention). */
export class PayloadNotFoundError extends StoreError {
  readonly ref: string;
  constructor(ref: string, options: { cause?: unknown } = {}) {
    super(`No payload at ${ref}: it was never stored, or it expired. Values behind references are kept for the store's retention period.`, options);
    this.ref = ref;
  }
}

/** An event is larger than a DynamoDB item holds and the event log has no bucket to put it in. */
export class EventTooLargeError extends StoreError {
  constructor(executionId: string, eventType: string, bytes: number) {
    super(
      `The ${eventType} event of "${executionId}" takes ${bytes} bytes, more than a DynamoDB item holds (400 KB). ` +
        'Give the event log a bucket to put large events in (offload), as createStores does.',
    );
  }
}
