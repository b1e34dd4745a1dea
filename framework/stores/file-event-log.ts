import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, promises as fs, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { StepwiseEvent } from '../events';
import { fsyncDirectory, prepareDirectory } from './atomic-write';
import { StoreCorruptError } from './errors';
import { assertAppend, resolveReadOptions, type EventLog, type LoggedEvent, type ReadEventsOptions } from './event-log';
import { KeyedMutex, withFileLock, type FileLockOptions } from './file-lock';
import { isJsonObject, tryParseJson } from './json';
import { assertStoreKey, encodeStoreKey } from './key-encoding';

/** Options of `FileEventLog`. */
export interface FileEventLogOptions {
  /** The folder that holds one `<encoded execution id>.jsonl` per execution; created when missing. */
  readonly directory: string;
  /** How the cross-process lock behaves. @default StoreDefaults lock settings */
  readonly lock?: FileLockOptions;
}

/** Lines start with the seq (we write them), so a read skips old lines without parsing them. */
const SEQ_HEAD = /^\{"seq":(\d+),/;
const TAIL_CHUNK_BYTES = 64 * 1024;
/** How many logs' ends a `FileEventLog` remembers. */
const MAX_KNOWN_TAILS = 1_000;
const NEWLINE = 0x0a;

/**
 * The event log as one JSON Lines file per execution, for the local engine. Each batch is one
 * `O_APPEND` write under a lock file, so appenders in several processes never share a seq. A
 * line torn by a killed writer (no final newline) is ignored on read and cut off by the next append.
 *
 * @example
 * const log = new FileEventLog({ directory: path.join(projectDir, '.stepwise', 'events') });
 * await log.append(executionArn, [event]);
 */
export class FileEventLog implements EventLog {
  private readonly directory: string;
  private readonly lockOptions: FileLockOptions;
  private readonly mutex = new KeyedMutex();
  private prepared: Promise<void> | undefined;
  /** Where this process's last append left each file: when the file is still exactly so, its tail need not be read again. */
  private readonly tails = new Map<string, { ino: number; size: number; lastSeq: number }>();

  constructor(options: FileEventLogOptions) {
    this.directory = path.resolve(options.directory);
    this.lockOptions = options.lock ?? {};
  }

  async append(executionId: string, events: readonly StepwiseEvent[]): Promise<number> {
    assertAppend(executionId, events);
    const file = this.fileFor(executionId);
    await this.ready();
    return this.mutex.run(file, () => withFileLock(`${file}.lock`, () => this.appendLocked(file, events), this.lockOptions));
  }

  async read(executionId: string, options?: ReadEventsOptions): Promise<LoggedEvent[]> {
    const { after, limit } = resolveReadOptions(executionId, options);
    const file = this.fileFor(executionId);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines = text.split('\n');
    lines.pop(); // empty after the final newline, or a torn line still being (or never finished) written
    const events: LoggedEvent[] = [];
    for (const [index, line] of lines.entries()) {
      if (events.length >= limit) break;
      // Line n holds seq n (seqs start at 1 and have no gaps), which also finds a line lost in the middle.
      const head = SEQ_HEAD.exec(line);
      if (head && Number(head[1]) === index + 1 && index + 1 <= after) continue;
      const logged = parseLine(line);
      const problem = !logged ? 'not a logged event' : logged.seq !== index + 1 ? `it holds seq ${logged.seq} where ${index + 1} belongs (a line is missing or out of order)` : undefined;
      if (problem) {
        // What comes before the damage is intact: return it, and the next read (from its end) reports the damage.
        if (events.length > 0) break;
        throw new StoreCorruptError(`${file}:${index + 1}`, problem);
      }
      if (logged!.seq > after) events.push(logged!);
    }
    return events;
  }

  /**
   * Appends under the lock with synchronous I/O: the caller waits for the append anyway, and each
   * trip through the thread pool would cost more than the system call it makes (the `fdatasync` aside).
   */
  private async appendLocked(file: string, events: readonly StepwiseEvent[]): Promise<number> {
    const fd = openSync(file, 'a+');
    try {
      const { ino, size } = fstatSync(fd);
      const known = this.tails.get(file);
      this.tails.delete(file);
      // Another writer appended (or the file was replaced) since our last append: read where it ends now.
      const { lastSeq, validBytes } = known && known.ino === ino && known.size === size ? { lastSeq: known.lastSeq, validBytes: size } : findTail(fd, size, file);
      if (validBytes < size) ftruncateSync(fd, validBytes);
      if (events.length === 0) return lastSeq;
      const bytes = Buffer.from(events.map((event, index) => `${JSON.stringify({ seq: lastSeq + index + 1, event })}\n`).join(''), 'utf8');
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fdatasyncSync(fd);
      if (size === 0) await fsyncDirectory(this.directory);
      // A long-lived engine appends to many logs: past a bound, the oldest entry goes (it is only a shortcut).
      if (this.tails.size >= MAX_KNOWN_TAILS) this.tails.delete(this.tails.keys().next().value!);
      this.tails.set(file, { ino, size: validBytes + bytes.length, lastSeq: lastSeq + events.length });
      return lastSeq + events.length;
    } finally {
      closeSync(fd);
    }
  }

  private fileFor(executionId: string): string {
    assertStoreKey(executionId, 'executionId');
    return path.join(this.directory, `${encodeStoreKey(executionId)}.jsonl`);
  }

  private ready(): Promise<void> {
    this.prepared ??= prepareDirectory(this.directory).catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }
}

function parseLine(line: string): LoggedEvent | undefined {
  const value = tryParseJson(line);
  if (!isJsonObject(value) || typeof value.seq !== 'number' || !isJsonObject(value.event)) return undefined;
  return { seq: value.seq, event: value.event as unknown as StepwiseEvent };
}

/** The seq of the last complete line and the byte length up to its newline; bytes after it are a torn line. */
function findTail(fd: number, size: number, file: string): { lastSeq: number; validBytes: number } {
  const chunks: Buffer[] = [];
  const newlines: number[] = [];
  let start = size;
  while (start > 0 && newlines.length < 2) {
    const length = Math.min(TAIL_CHUNK_BYTES, start);
    start -= length;
    const chunk = Buffer.alloc(length);
    readAll(fd, chunk, start);
    for (let index = length - 1; index >= 0 && newlines.length < 2; index -= 1) {
      if (chunk[index] === NEWLINE) newlines.push(start + index);
    }
    chunks.unshift(chunk);
  }
  if (newlines.length === 0) return { lastSeq: 0, validBytes: 0 };
  const lineEnd = newlines[0];
  const lineStart = newlines.length > 1 ? newlines[1] + 1 : 0;
  const line = Buffer.concat(chunks).subarray(lineStart - start, lineEnd - start).toString('utf8');
  const head = SEQ_HEAD.exec(line);
  const lastSeq = head ? Number(head[1]) : parseLine(line)?.seq;
  if (lastSeq === undefined) throw new StoreCorruptError(file, 'the last complete line is not a logged event');
  return { lastSeq, validBytes: lineEnd + 1 };
}

function readAll(fd: number, buffer: Buffer, position: number): void {
  let offset = 0;
  while (offset < buffer.length) {
    const bytesRead = readSync(fd, buffer, offset, buffer.length - offset, position + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
}
