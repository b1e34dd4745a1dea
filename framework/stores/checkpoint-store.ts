import { InvalidInputError } from '../errors';
import { CheckpointConflictError } from './errors';
import { assertStoreKey } from './key-encoding';
import { assertSequence, isJsonObject } from './json';

/**
 * One record of a run's journal, as written: its place in the journal and its JSON text. Stores
 * keep the text as it is (they never parse it to write it), so a record costs one serialization.
 */
export interface JournalRecord {
  /** 1, 2, 3… without gaps; a store refuses a record that is not the next one. */
  readonly seq: number;
  /** A JSON object on one line, as `JSON.stringify` writes it. */
  readonly json: string;
}

/** A record read back. */
export interface LoadedRecord {
  readonly seq: number;
  readonly record: Record<string, unknown>;
}

/** The whole state of a run at one sequence number: what compaction writes, and where a load starts. */
export interface Checkpoint {
  readonly sequence: number;
  /** The run state (JSON). */
  readonly state: Record<string, unknown>;
  /** ISO-8601 time it was written. */
  readonly savedAt: string;
}

/** How `append` commits a batch. */
export interface AppendOptions {
  /**
   * The batch must be written (readable, and kept if this process is killed) before `append`
   * resolves, but it may become durable against a machine crash a moment later: with the next
   * append that is not deferred, at `release`, or within `StoreDefaults.deferredSyncMs`, whichever
   * comes first (group commit across steps: several records, one sync). Stores whose every write is
   * durable (DynamoDB, memory) ignore it. The runner defers only a call's outcome: nothing depends
   * on its durability for exactly-once, since a call whose outcome is lost is still marked started
   * and is invoked again with its idempotency key, as after a kill just before the write.
   * @default false
   */
  readonly deferSync?: boolean;
}

/** What a store holds for a key: the last snapshot and the records after it. */
export interface StoredJournal {
  /** The last compaction, if any: the state at `snapshot.sequence`. */
  readonly snapshot?: Checkpoint;
  /** The records after the snapshot (or all of them), in order, without gaps. */
  readonly records: readonly LoadedRecord[];
  /** The sequence of the last record, else of the snapshot: the next append must be this + 1. */
  readonly lastSeq: number;
}

/**
 * Durable run state as an append-only journal per key, with periodic snapshots. The key is opaque:
 * an execution ARN, or `session:<id>` for memory that outlives one execution. The store never
 * interprets records: `framework/journal` folds them into a run state.
 *
 * The rules every implementation keeps:
 * - `append` refuses (`CheckpointConflictError`) a batch whose first record is not the next
 *   sequence, so two writers of one run (a zombie container and its replacement) cannot interleave.
 *   A key with nothing stored accepts any first sequence.
 * - a batch is all or nothing, committed durably before `append` resolves (or, when the append
 *   defers its sync, written at once and durable by the next append that does not);
 * - `compact` never loses a record: it stores the state at a sequence the journal reached, and a
 *   load then reads that snapshot plus the records after it;
 * - a record torn by a writer killed mid-write is ignored on read; any other damage is a
 *   `StoreCorruptError` naming where it is.
 */
export interface CheckpointStore {
  /** The last snapshot and the records after it, or `undefined` when nothing is stored for `key`. */
  load(key: string): Promise<StoredJournal | undefined>;
  /** Appends records durably; see the rules above and `AppendOptions`. */
  append(key: string, records: readonly JournalRecord[], options?: AppendOptions): Promise<void>;
  /**
   * Stores `snapshot` (the whole state at `snapshot.seq`, as JSON text) so a load reads it instead
   * of the records up to it. Refused when the journal has not reached `snapshot.seq`; ignored when
   * a newer snapshot is stored.
   */
  compact(key: string, snapshot: JournalRecord): Promise<void>;
  /**
   * Ends this process's writing of `key`. The file store holds a lock on a key from its first
   * append until then (other processes wait for it), so call it when a run stops writing;
   * `runAgent` does.
   */
  release(key: string): Promise<void>;
  /** Removes everything stored for `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Checks a batch before any store writes it, naming what is wrong. */
export function assertRecords(key: string, records: readonly JournalRecord[]): void {
  assertStoreKey(key, 'key');
  if (!Array.isArray(records) || records.length === 0) throw new InvalidInputError('records must be a non-empty array', { field: 'records' });
  for (const [index, record] of records.entries()) {
    assertRecord(record, `records[${index}]`);
    if (index > 0 && record.seq !== records[index - 1].seq + 1) {
      throw new InvalidInputError(`records[${index}].seq is ${record.seq}, but the record before it is ${records[index - 1].seq}: a batch has no gaps`, { field: `records[${index}].seq` });
    }
  }
}

/** Checks one record (or a snapshot): a sequence from 1 and the text of one JSON object on one line. */
export function assertRecord(record: JournalRecord, field: string): void {
  if (!isJsonObject(record)) throw new InvalidInputError(`${field} must be an object { seq, json }`, { field });
  assertSequence(record.seq, `${field}.seq`);
  if (record.seq < 1) throw new InvalidInputError(`${field}.seq must be 1 or more, got 0`, { field: `${field}.seq` });
  const { json } = record;
  // A cheap check, not a parse: the writer serialized it, and a parse would double the cost of a step.
  if (typeof json !== 'string' || json.charCodeAt(0) !== 0x7b || json.charCodeAt(json.length - 1) !== 0x7d || json.includes('\n')) {
    throw new InvalidInputError(`${field}.json must be the JSON text of an object on one line (as JSON.stringify writes it)`, { field: `${field}.json` });
  }
}

/** Refuses a batch that does not continue the journal at `lastSeq` (`undefined`: nothing stored yet). */
export function assertNextSequence(key: string, records: readonly JournalRecord[], lastSeq: number | undefined): void {
  if (lastSeq !== undefined && records[0].seq !== lastSeq + 1) throw new CheckpointConflictError(key, records[0].seq, lastSeq);
}

/**
 * Refuses a snapshot of a sequence the journal has not reached; returns false when a newer
 * snapshot is already stored (then there is nothing to do).
 */
export function shouldCompact(key: string, snapshot: JournalRecord, lastSeq: number | undefined, snapshotSeq: number | undefined): boolean {
  if (lastSeq === undefined || snapshot.seq > lastSeq) throw new CheckpointConflictError(key, snapshot.seq, lastSeq, { reason: 'compact' });
  return snapshotSeq === undefined || snapshot.seq > snapshotSeq;
}

/** The stored form of a snapshot (the checkpoint format of earlier versions): `sequence` first, then the state. */
export function serializeSnapshot(snapshot: JournalRecord, savedAt: string): string {
  return `{"sequence":${snapshot.seq},"savedAt":${JSON.stringify(savedAt)},"state":${snapshot.json}}`;
}

/** Reads a stored snapshot back, or undefined when it does not have the shape `serializeSnapshot` writes. */
export function parseSnapshot(value: unknown): Checkpoint | undefined {
  if (!isJsonObject(value) || !isJsonObject(value.state) || typeof value.savedAt !== 'string') return undefined;
  if (typeof value.sequence !== 'number' || !Number.isSafeInteger(value.sequence) || value.sequence < 0) return undefined;
  return { sequence: value.sequence, savedAt: value.savedAt, state: value.state };
}

/** Parses a stored record, or undefined when it is not a JSON object. */
export function parseRecord(json: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

interface MemoryJournal {
  snapshot?: { seq: number; text: string };
  records: JournalRecord[];
  lastSeq: number;
}

/**
 * Run journals in memory, for tests and single-process use. Records are kept as the text they were
 * given and parsed on load, so what you load is what a durable store would give back.
 *
 * @example
 * const store = new MemoryCheckpointStore();
 * const result = await runAgent(agent, 'Summarize the report', { checkpointStore: store, runId: 'run-1' });
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly journals = new Map<string, MemoryJournal>();

  async load(key: string): Promise<StoredJournal | undefined> {
    assertStoreKey(key, 'key');
    const journal = this.journals.get(key);
    if (!journal) return undefined;
    const snapshot = journal.snapshot ? parseSnapshot(JSON.parse(journal.snapshot.text)) : undefined;
    const records = journal.records.map(({ seq, json }) => ({ seq, record: JSON.parse(json) as Record<string, unknown> }));
    return { ...(snapshot ? { snapshot } : {}), records, lastSeq: journal.lastSeq };
  }

  /** Every append is durable at once here: `options.deferSync` changes nothing. */
  async append(key: string, records: readonly JournalRecord[], _options?: AppendOptions): Promise<void> {
    assertRecords(key, records);
    const journal = this.journals.get(key);
    assertNextSequence(key, records, journal?.lastSeq);
    const target = journal ?? { records: [], lastSeq: 0 };
    for (const { seq, json } of records) target.records.push({ seq, json });
    target.lastSeq = records[records.length - 1].seq;
    this.journals.set(key, target);
  }

  async compact(key: string, snapshot: JournalRecord): Promise<void> {
    assertStoreKey(key, 'key');
    assertRecord(snapshot, 'snapshot');
    const journal = this.journals.get(key);
    if (!shouldCompact(key, snapshot, journal?.lastSeq, journal?.snapshot?.seq) || !journal) return;
    journal.snapshot = { seq: snapshot.seq, text: serializeSnapshot(snapshot, new Date().toISOString()) };
    journal.records = journal.records.filter((record) => record.seq > snapshot.seq);
  }

  async release(key: string): Promise<void> {
    assertStoreKey(key, 'key');
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key, 'key');
    this.journals.delete(key);
  }
}
