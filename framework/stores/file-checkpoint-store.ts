import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, promises as fs, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fsyncDirectory, prepareDirectory, removeFileDurably, writeFileAtomic } from './atomic-write';
import {
  assertNextSequence,
  assertRecord,
  assertRecords,
  parseRecord,
  parseSnapshot,
  serializeSnapshot,
  shouldCompact,
  type AppendOptions,
  type CheckpointStore,
  type JournalRecord,
  type LoadedRecord,
  type StoredJournal,
} from './checkpoint-store';
import { StoreDefaults } from './constants';
import { CheckpointConflictError, StoreCorruptError } from './errors';
import { KeyedMutex, acquireFileLock, withFileLock, type FileLockOptions, type HeldFileLock } from './file-lock';
import { tryParseJson } from './json';
import { assertStoreKey, encodeStoreKey } from './key-encoding';

/** Options of `FileCheckpointStore`. */
export interface FileCheckpointStoreOptions {
  /** The folder that holds, per key, `<encoded key>.jsonl` (the journal) and `<encoded key>.json` (the last snapshot); created when missing. */
  readonly directory: string;
  /** How the cross-process lock behaves. @default StoreDefaults lock settings */
  readonly lock?: FileLockOptions;
}

/** Lines start with the seq (we write them so), so a load skips compacted lines without parsing them. */
const SEQ_HEAD = /^\{"seq":(\d+),"record":/;
const NEWLINE = 0x0a;
/** A load that finds the journal and the snapshot from two sides of a compaction reads them again, this many times. */
const LOAD_ATTEMPTS = 3;

/** One process's hold on one key's journal, from its first append to `release`. */
interface JournalWriter {
  readonly journalPath: string;
  readonly lock: HeldFileLock;
  readonly refresher: NodeJS.Timeout;
  fd: number;
  /** The journal file's inode and size as this writer left them: anything else means another writer. */
  ino: number;
  size: number;
  /** Undefined while nothing at all is stored for the key. */
  lastSeq: number | undefined;
  snapshotSeq: number | undefined;
  /** Set while a deferred batch is written but not yet synced: the sync that will cover it. */
  pendingSync: NodeJS.Timeout | undefined;
  /** A deferred sync that failed: every later append and the release fail with it. */
  syncFailure: { error: unknown } | undefined;
}

interface ParsedJournal {
  readonly records: LoadedRecord[];
  /** The highest seq in the file, compacted lines included; undefined for an empty file. */
  readonly lastSeq: number | undefined;
  /** Bytes up to the last newline: what follows is a line torn by a killed writer. */
  readonly validBytes: number;
}

/**
 * Run journals as files, for the local engine: per key, an append-only JSON Lines journal and the
 * last snapshot. An append is one `write` and one `fdatasync` of the new lines (about 0.2–0.3 ms on
 * an SSD), so a durable step costs one small write however long the run is; `compact` writes the
 * snapshot atomically (temp file, fsync, rename, folder fsync) and empties the journal. An append
 * that defers its sync (`{ deferSync: true }`) is written at once and synced with the next append,
 * or after `StoreDefaults.deferredSyncMs`: two steps, one `fdatasync`.
 *
 * A writer holds the key's lock file from its first append until `release`, so two processes never
 * write one journal at once (a second writer waits for the lock; a dead holder's lock is broken at
 * once), and each append also checks that the file is exactly as this writer left it. Appends use
 * synchronous I/O: the runner waits for each commit anyway, and two thread-pool hops would cost as
 * much as the `fdatasync` itself. A line torn by a writer killed mid-write is ignored on read and
 * cut off when the next writer opens the journal; any other damage is a `StoreCorruptError`
 * naming the file and line.
 *
 * @example
 * const store = new FileCheckpointStore({ directory: path.join(projectDir, '.stepwise', 'checkpoints') });
 * const result = await runAgent(agent, 'Summarize the report', { checkpointStore: store, runId: 'run-1' });
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly directory: string;
  private readonly lockOptions: FileLockOptions;
  private readonly mutex = new KeyedMutex();
  private readonly writers = new Map<string, JournalWriter>();
  private prepared: Promise<void> | undefined;

  constructor(options: FileCheckpointStoreOptions) {
    this.directory = path.resolve(options.directory);
    this.lockOptions = options.lock ?? {};
  }

  async load(key: string): Promise<StoredJournal | undefined> {
    const { journalPath, snapshotPath } = this.pathsFor(key);
    for (let attempt = 1; ; attempt += 1) {
      // The journal first: a compaction writes the snapshot before it empties the journal, so a
      // journal read before a snapshot never misses records the snapshot does not cover.
      const journal = await readIfExists(journalPath);
      const snapshotText = await readIfExists(snapshotPath);
      if (journal === undefined && snapshotText === undefined) return undefined;
      const snapshot = snapshotText === undefined ? undefined : parseSnapshot(tryParseJson(snapshotText.toString('utf8')));
      if (snapshotText !== undefined && !snapshot) throw new StoreCorruptError(snapshotPath, 'not a run state snapshot written by Stepwise');
      const parsed = parseJournal(journal ?? Buffer.alloc(0), journalPath, snapshot?.sequence ?? 0);
      const first = parsed.records[0]?.seq;
      if (snapshot && first !== undefined && first !== snapshot.sequence + 1) {
        if (attempt < LOAD_ATTEMPTS) continue;
        throw new StoreCorruptError(journalPath, `the records after the snapshot (sequence ${snapshot.sequence}) start at ${first}`);
      }
      if (!snapshot && parsed.records.length === 0) return undefined;
      const lastSeq = Math.max(snapshot?.sequence ?? 0, parsed.lastSeq ?? 0);
      return { ...(snapshot ? { snapshot } : {}), records: parsed.records, lastSeq };
    }
  }

  async append(key: string, records: readonly JournalRecord[], options: AppendOptions = {}): Promise<void> {
    assertRecords(key, records);
    await this.mutex.run(key, async () => {
      const writer = await this.writerFor(key);
      appendNow(key, writer, records, options.deferSync === true);
      if (options.deferSync && !writer.pendingSync) {
        writer.pendingSync = setTimeout(() => void this.mutex.run(key, async () => syncPending(writer)), StoreDefaults.deferredSyncMs);
      }
    });
  }

  async compact(key: string, snapshot: JournalRecord): Promise<void> {
    assertStoreKey(key, 'key');
    assertRecord(snapshot, 'snapshot');
    await this.mutex.run(key, async () => {
      const writer = await this.writerFor(key);
      if (!shouldCompact(key, snapshot, writer.lastSeq, writer.snapshotSeq)) return;
      assertUntouched(key, writer, snapshot.seq);
      await writeFileAtomic(this.pathsFor(key).snapshotPath, serializeSnapshot(snapshot, new Date().toISOString()));
      writer.snapshotSeq = snapshot.seq;
      await dropThrough(writer, snapshot.seq);
    });
  }

  async release(key: string): Promise<void> {
    assertStoreKey(key, 'key');
    await this.mutex.run(key, () => this.closeWriter(key));
  }

  async delete(key: string): Promise<void> {
    const { journalPath, snapshotPath, lockPath } = this.pathsFor(key);
    await this.ready();
    await this.mutex.run(key, async () => {
      await this.closeWriter(key);
      await withFileLock(
        lockPath,
        async () => {
          await removeFileDurably(journalPath);
          await removeFileDurably(snapshotPath);
        },
        this.lockOptions,
      );
    });
  }

  private pathsFor(key: string): { journalPath: string; snapshotPath: string; lockPath: string } {
    assertStoreKey(key, 'key');
    const base = path.join(this.directory, encodeStoreKey(key));
    return { journalPath: `${base}.jsonl`, snapshotPath: `${base}.json`, lockPath: `${base}.lock` };
  }

  private ready(): Promise<void> {
    this.prepared ??= prepareDirectory(this.directory).catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  /** This process's writer of `key`: takes the lock and reads where the journal ends, once. Called under the key's mutex. */
  private async writerFor(key: string): Promise<JournalWriter> {
    const existing = this.writers.get(key);
    if (existing) return existing;
    await this.ready();
    const { journalPath, snapshotPath, lockPath } = this.pathsFor(key);
    const lock = await acquireFileLock(lockPath, this.lockOptions);
    let fd: number | undefined;
    try {
      const snapshotText = await readIfExists(snapshotPath);
      const snapshot = snapshotText === undefined ? undefined : parseSnapshot(tryParseJson(snapshotText.toString('utf8')));
      if (snapshotText !== undefined && !snapshot) throw new StoreCorruptError(snapshotPath, 'not a run state snapshot written by Stepwise');
      const journal = await readIfExists(journalPath);
      // Parsed whole, so a damaged journal is refused before anything is appended after the damage.
      const parsed = parseJournal(journal ?? Buffer.alloc(0), journalPath, 0);
      fd = openSync(journalPath, 'a+');
      if (journal === undefined) await fsyncDirectory(this.directory);
      const stat = fstatSync(fd);
      if (stat.size > parsed.validBytes) {
        ftruncateSync(fd, parsed.validBytes);
        fdatasyncSync(fd);
      }
      const lastSeq = snapshot || parsed.lastSeq !== undefined ? Math.max(snapshot?.sequence ?? 0, parsed.lastSeq ?? 0) : undefined;
      const staleMs = this.lockOptions.staleMs ?? StoreDefaults.lockStaleMs;
      const refresher = setInterval(() => lock.refresh(), Math.max(1, Math.floor(staleMs / 3)));
      refresher.unref();
      const writer: JournalWriter = {
        journalPath,
        lock,
        refresher,
        fd,
        ino: stat.ino,
        size: Math.min(stat.size, parsed.validBytes),
        lastSeq,
        snapshotSeq: snapshot?.sequence,
        pendingSync: undefined,
        syncFailure: undefined,
      };
      this.writers.set(key, writer);
      return writer;
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      await lock.release();
      throw error;
    }
  }

  private async closeWriter(key: string): Promise<void> {
    const writer = this.writers.get(key);
    if (!writer) return;
    this.writers.delete(key);
    clearInterval(writer.refresher);
    try {
      // What a deferred append wrote is durable before the key is let go.
      syncPending(writer);
      if (writer.syncFailure) throw writer.syncFailure.error;
    } finally {
      closeSync(writer.fd);
      await writer.lock.release();
    }
  }
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Parses the complete lines of a journal, keeping the records after `afterSeq` (earlier ones are
 * covered by the snapshot and only their seq is read). Records must follow each other without gaps.
 */
function parseJournal(content: Buffer, file: string, afterSeq: number): ParsedJournal {
  const validBytes = content.lastIndexOf(NEWLINE) + 1;
  const records: LoadedRecord[] = [];
  let lastSeq: number | undefined;
  let lineStart = 0;
  let lineNumber = 0;
  const text = content.subarray(0, validBytes).toString('utf8');
  while (lineStart < text.length) {
    const lineEnd = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, lineEnd);
    lineStart = lineEnd + 1;
    lineNumber += 1;
    const head = SEQ_HEAD.exec(line);
    const seq = head ? Number(head[1]) : undefined;
    if (seq !== undefined && seq <= afterSeq) {
      lastSeq = seq;
      continue;
    }
    const record = head && line.endsWith('}') ? parseRecord(line.slice(head[0].length, -1)) : undefined;
    if (seq === undefined || !record) throw new StoreCorruptError(`${file}:${lineNumber}`, 'not a journal record written by Stepwise');
    if (lastSeq !== undefined && seq !== lastSeq + 1) throw new StoreCorruptError(`${file}:${lineNumber}`, `record ${seq} follows record ${lastSeq}`);
    records.push({ seq, record });
    lastSeq = seq;
  }
  return { records, lastSeq, validBytes };
}

/** Refuses to write when another writer got to the journal: the lock was broken, or the file is not as this writer left it. */
function assertUntouched(key: string, writer: JournalWriter, seq: number): void {
  let touched = !writer.lock.isHeld() || fstatSync(writer.fd).size !== writer.size;
  if (!touched) touched = statSync(writer.journalPath, { throwIfNoEntry: false })?.ino !== writer.ino;
  if (touched) throw new CheckpointConflictError(key, seq, undefined, {});
}

/** Syncs what deferred appends wrote, if anything; a failure is kept for the writer's next append. */
function syncPending(writer: JournalWriter): void {
  if (!writer.pendingSync) return;
  clearTimeout(writer.pendingSync);
  writer.pendingSync = undefined;
  try {
    fdatasyncSync(writer.fd);
  } catch (error) {
    writer.syncFailure ??= { error };
  }
}

function appendNow(key: string, writer: JournalWriter, records: readonly JournalRecord[], deferSync: boolean): void {
  // Records written after a failed sync might sit on records the disk lost: the journal is done.
  if (writer.syncFailure) throw writer.syncFailure.error;
  assertNextSequence(key, records, writer.lastSeq);
  assertUntouched(key, writer, records[0].seq);
  const lines = Buffer.from(records.map((record) => `{"seq":${record.seq},"record":${record.json}}\n`).join(''), 'utf8');
  try {
    for (let offset = 0; offset < lines.length; ) offset += writeSync(writer.fd, lines, offset, lines.length - offset);
    if (!deferSync) {
      // One sync covers this batch and every deferred one before it.
      fdatasyncSync(writer.fd);
      if (writer.pendingSync) clearTimeout(writer.pendingSync);
      writer.pendingSync = undefined;
    }
  } catch (error) {
    // All or nothing: a batch half written (disk full) is cut off, so the next append follows a whole record.
    try {
      ftruncateSync(writer.fd, writer.size);
    } catch {
      // The next writer cuts the torn line off when it opens the journal.
    }
    throw error;
  }
  writer.size += lines.length;
  writer.lastSeq = records[records.length - 1].seq;
}

/** Removes the records up to `seq` from the journal, after the snapshot that covers them is durable. */
async function dropThrough(writer: JournalWriter, seq: number): Promise<void> {
  if (writer.lastSeq === seq) {
    ftruncateSync(writer.fd, 0);
    fdatasyncSync(writer.fd);
    writer.size = 0;
    return;
  }
  // Records after the snapshot stay: rewrite the journal with them only (rare: the runner compacts at its last record).
  const content = readFileSync(writer.journalPath);
  let offset = 0;
  while (offset < content.length) {
    const head = SEQ_HEAD.exec(content.subarray(offset, offset + 40).toString('utf8'));
    if (head && Number(head[1]) > seq) break;
    const lineEnd = content.indexOf(NEWLINE, offset);
    offset = lineEnd < 0 ? content.length : lineEnd + 1;
  }
  await writeFileAtomic(writer.journalPath, content.subarray(offset).toString('utf8'));
  closeSync(writer.fd);
  writer.fd = openSync(writer.journalPath, 'a+');
  const stat = fstatSync(writer.fd);
  writer.ino = stat.ino;
  writer.size = stat.size;
}
