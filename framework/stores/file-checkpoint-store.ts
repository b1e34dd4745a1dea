import { promises as fs } from 'node:fs';
import path from 'node:path';
import { prepareDirectory, removeFileDurably, writeFileAtomic } from './atomic-write';
import { assertCheckpoint, parseCheckpoint, serializeCheckpoint, type Checkpoint, type CheckpointStore } from './checkpoint-store';
import { CheckpointConflictError, StoreCorruptError } from './errors';
import { KeyedMutex, withFileLock, type FileLockOptions } from './file-lock';
import { tryParseJson } from './json';
import { assertStoreKey, encodeStoreKey } from './key-encoding';

/** Options of `FileCheckpointStore`. */
export interface FileCheckpointStoreOptions {
  /** The folder that holds one `<encoded key>.json` per checkpoint; created when missing. */
  readonly directory: string;
  /** How the cross-process lock behaves. @default StoreDefaults lock settings */
  readonly lock?: FileLockOptions;
}

/** `serializeCheckpoint` writes the sequence first, so a compare-and-set reads only the head of a possibly large file. */
const SEQUENCE_HEAD = /^\{"sequence":(\d+),/;
const HEAD_BYTES = 64;

/**
 * Checkpoints as files, one per key, for the local engine. A save is a compare-and-set on the
 * sequence under a lock file (safe across processes), committed by writing a temp file, fsync,
 * rename and fsync of the folder: a process killed at any point leaves the last committed
 * checkpoint intact and readable.
 *
 * @example
 * const store = new FileCheckpointStore({ directory: path.join(projectDir, '.stepwise', 'checkpoints') });
 * await store.save(executionArn, { sequence: 3, state: runState.toJSON(), savedAt: new Date().toISOString() });
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly directory: string;
  private readonly lockOptions: FileLockOptions;
  private readonly mutex = new KeyedMutex();
  private prepared: Promise<void> | undefined;

  constructor(options: FileCheckpointStoreOptions) {
    this.directory = path.resolve(options.directory);
    this.lockOptions = options.lock ?? {};
  }

  async load(key: string): Promise<Checkpoint | undefined> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const checkpoint = parseCheckpoint(tryParseJson(text));
    if (!checkpoint) throw new StoreCorruptError(file, 'not a checkpoint written by Stepwise');
    return checkpoint;
  }

  async save(key: string, checkpoint: Checkpoint): Promise<void> {
    assertCheckpoint(key, checkpoint);
    const file = this.fileFor(key);
    const data = serializeCheckpoint(checkpoint);
    await this.ready();
    await this.mutex.run(file, () =>
      withFileLock(
        `${file}.lock`,
        async () => {
          const storedSequence = await this.storedSequence(key, file);
          if (storedSequence !== undefined && checkpoint.sequence <= storedSequence) {
            throw new CheckpointConflictError(key, checkpoint.sequence, storedSequence);
          }
          await writeFileAtomic(file, data);
        },
        this.lockOptions,
      ),
    );
  }

  async delete(key: string): Promise<void> {
    const file = this.fileFor(key);
    await this.ready();
    await this.mutex.run(file, () => withFileLock(`${file}.lock`, () => removeFileDurably(file), this.lockOptions));
  }

  private fileFor(key: string): string {
    assertStoreKey(key, 'key');
    return path.join(this.directory, `${encodeStoreKey(key)}.json`);
  }

  private ready(): Promise<void> {
    this.prepared ??= prepareDirectory(this.directory).catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async storedSequence(key: string, file: string): Promise<number | undefined> {
    let head: string;
    try {
      const handle = await fs.open(file, 'r');
      try {
        const buffer = Buffer.alloc(HEAD_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
        head = buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const match = SEQUENCE_HEAD.exec(head);
    if (match) return Number(match[1]);
    // Written by something else (or edited by hand): read it all, which also reports corruption.
    return (await this.load(key))?.sequence;
  }
}
