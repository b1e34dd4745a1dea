import { promises as fs } from 'node:fs';
import path from 'node:path';
import { prepareDirectory, writeFileAtomic } from './atomic-write';
import { PayloadNotFoundError, StoreCorruptError } from './errors';
import { encodeStoreKey } from './key-encoding';
import { payloadKeyOf, payloadRef, serializePayload, type PayloadStore } from './payload-store';

/** Options of `FilePayloadStore`. */
export interface FilePayloadStoreOptions {
  /** The folder that holds one `<encoded key>.json` per payload; created when missing. */
  readonly directory: string;
}

/**
 * Payloads as files, one per key, written atomically (temp file, fsync, rename): the local
 * engine's store, shared by the engine, its containers and the CLI on the same machine.
 *
 * @example
 * const payloads = new FilePayloadStore({ directory: path.join(projectDir, '.stepwise', 'payloads') });
 * const ref = await payloads.put('results/run-1', answer);
 */
export class FilePayloadStore implements PayloadStore {
  private readonly directory: string;
  private prepared: Promise<void> | undefined;

  constructor(options: FilePayloadStoreOptions) {
    this.directory = path.resolve(options.directory);
  }

  async put(key: string, value: unknown): Promise<string> {
    const ref = payloadRef(key);
    const text = serializePayload(value);
    await this.ready();
    await writeFileAtomic(this.fileFor(key), text);
    return ref;
  }

  async get(ref: string): Promise<unknown> {
    const file = this.fileFor(payloadKeyOf(ref));
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PayloadNotFoundError(ref);
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new StoreCorruptError(file, 'not a JSON payload', { cause: error });
    }
  }

  private fileFor(key: string): string {
    return path.join(this.directory, `${encodeStoreKey(key)}.json`);
  }

  private ready(): Promise<void> {
    this.prepared ??= prepareDirectory(this.directory).catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }
}
