import { InvalidInputError } from '../errors';
import { CheckpointConflictError } from './errors';
import { assertStoreKey } from './key-encoding';
import { assertSequence, isJsonObject } from './json';

/** One committed snapshot of a run state. */
export interface Checkpoint {
  /** Increases with every save; a save whose sequence is not newer than the stored one is rejected. */
  readonly sequence: number;
  /** The serialized run state (JSON). */
  readonly state: Record<string, unknown>;
  /** ISO-8601 time of the save. */
  readonly savedAt: string;
}

/**
 * Durable run-state checkpoints, one per key. The key is opaque: an execution ARN, or
 * `session:<id>` for memory that outlives one execution.
 */
export interface CheckpointStore {
  /** The last committed checkpoint, or `undefined` when there is none. */
  load(key: string): Promise<Checkpoint | undefined>;
  /**
   * Commits `checkpoint` atomically. Rejects with `CheckpointConflictError` when
   * `checkpoint.sequence` is not greater than the stored one, so a zombie container cannot
   * overwrite newer progress.
   */
  save(key: string, checkpoint: Checkpoint): Promise<void>;
  /** Removes the checkpoint; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
}

/** Checks a checkpoint before any store writes it, naming the field that is wrong. */
export function assertCheckpoint(key: string, checkpoint: Checkpoint): void {
  assertStoreKey(key, 'key');
  if (!isJsonObject(checkpoint)) throw new InvalidInputError('checkpoint must be an object', { field: 'checkpoint' });
  assertSequence(checkpoint.sequence, 'checkpoint.sequence');
  if (!isJsonObject(checkpoint.state)) throw new InvalidInputError('checkpoint.state must be a JSON object', { field: 'checkpoint.state' });
  if (typeof checkpoint.savedAt !== 'string' || Number.isNaN(Date.parse(checkpoint.savedAt))) {
    throw new InvalidInputError(`checkpoint.savedAt must be an ISO-8601 time, got ${JSON.stringify(checkpoint.savedAt)}`, { field: 'checkpoint.savedAt' });
  }
}

/** Reads a stored checkpoint back, or undefined when it does not have the shape `serializeCheckpoint` writes. */
export function parseCheckpoint(value: unknown): Checkpoint | undefined {
  if (!isJsonObject(value) || !isJsonObject(value.state) || typeof value.savedAt !== 'string') return undefined;
  if (typeof value.sequence !== 'number' || !Number.isSafeInteger(value.sequence)) return undefined;
  return { sequence: value.sequence, savedAt: value.savedAt, state: value.state };
}

/** The canonical stored form: `sequence` first, so file stores can read it from the first bytes. */
export function serializeCheckpoint(checkpoint: Checkpoint): string {
  return JSON.stringify({ sequence: checkpoint.sequence, savedAt: checkpoint.savedAt, state: checkpoint.state });
}

/**
 * Checkpoints in memory, for tests and single-process experiments. Values are copied through
 * JSON, so what you load is what a durable store would give back.
 *
 * @example
 * const store = new MemoryCheckpointStore();
 * await store.save('run-1', { sequence: 1, state: { step: 1 }, savedAt: new Date().toISOString() });
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, string>();

  async load(key: string): Promise<Checkpoint | undefined> {
    assertStoreKey(key, 'key');
    const stored = this.checkpoints.get(key);
    return stored === undefined ? undefined : (JSON.parse(stored) as Checkpoint);
  }

  async save(key: string, checkpoint: Checkpoint): Promise<void> {
    assertCheckpoint(key, checkpoint);
    const stored = this.checkpoints.get(key);
    const storedSequence = stored === undefined ? undefined : (JSON.parse(stored) as Checkpoint).sequence;
    if (storedSequence !== undefined && checkpoint.sequence <= storedSequence) {
      throw new CheckpointConflictError(key, checkpoint.sequence, storedSequence);
    }
    this.checkpoints.set(key, serializeCheckpoint(checkpoint));
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key, 'key');
    this.checkpoints.delete(key);
  }
}
