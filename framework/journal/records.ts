import type { Message } from '../model';
import type { LedgerEntry, RunStateData } from '../run-state';
import { StoreCorruptError } from '../stores/errors';
import type { StoredJournal } from '../stores/checkpoint-store';
import { RunStateError } from '../errors';

/** The version of the journal record format this code reads and writes. */
export const JOURNAL_RECORD_VERSION = 1;

/**
 * One record of a run's journal: what one step added to the state. Either the whole state (the
 * first record of a journal, or a run state handed in from elsewhere), or a change:
 * - `set`: fields of the state other than the conversation and the ledger, whole, when they changed
 *   (status, iteration count, usage, cost, pending approvals…), and `unset` for fields removed;
 * - `messages`: the messages appended since the last record, with the index of the first (`from`),
 *   so a fold can tell a missing record from a present one;
 * - `calls`: ledger entries that are new or changed (a call prepared, started, completed, decided).
 */
export interface StepRecord {
  readonly v: typeof JOURNAL_RECORD_VERSION;
  /** ISO-8601 time of the commit. */
  readonly at: string;
  readonly state?: RunStateData;
  readonly set?: Record<string, unknown>;
  readonly unset?: readonly string[];
  readonly messages?: { readonly from: number; readonly add: readonly Message[] };
  readonly calls?: readonly LedgerEntry[];
}

/** Fields of `RunStateData` that records carry in their own way, not in `set`. */
export const OWN_RECORD_FIELDS: ReadonlySet<string> = new Set(['messages', 'ledger', 'sequence']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The run state a stored journal holds: its snapshot (if any) with every record after it applied
 * in order. What cannot be applied (a change before any whole state, a message gap, a record of a
 * newer format) is reported, naming the key and the record.
 *
 * @example
 * const stored = await store.load(executionArn);
 * const data = stored && foldJournal(executionArn, stored);
 */
export function foldJournal(key: string, stored: StoredJournal): RunStateData {
  let data = stored.snapshot ? (stored.snapshot.state as unknown as RunStateData) : undefined;
  if (data) data.sequence = stored.snapshot!.sequence;
  for (const { seq, record } of stored.records) {
    const where = `${key}, journal record ${seq}`;
    if (record.v !== JOURNAL_RECORD_VERSION) {
      throw new RunStateError(`${where} has format version ${JSON.stringify(record.v)}; this version of Stepwise reads ${JOURNAL_RECORD_VERSION}. Resume the run with the version that wrote it.`);
    }
    if (record.state !== undefined) {
      if (!isObject(record.state)) throw new StoreCorruptError(where, 'its state is not an object');
      data = record.state as unknown as RunStateData;
    } else {
      if (!data) throw new StoreCorruptError(where, 'it changes a state that no earlier record or snapshot holds (a journal starts with a whole state)');
      apply(data, record, where);
    }
    data.sequence = seq;
  }
  if (!data) throw new StoreCorruptError(key, 'the journal holds no state');
  return data;
}

function apply(data: RunStateData, record: Record<string, unknown>, where: string): void {
  const { set, unset, messages, calls } = record;
  if (set !== undefined) {
    if (!isObject(set)) throw new StoreCorruptError(where, '"set" is not an object');
    Object.assign(data, set);
  }
  if (unset !== undefined) {
    if (!Array.isArray(unset)) throw new StoreCorruptError(where, '"unset" is not a list');
    for (const field of unset) delete (data as unknown as Record<string, unknown>)[String(field)];
  }
  if (messages !== undefined) {
    if (!isObject(messages) || typeof messages.from !== 'number' || !Array.isArray(messages.add)) throw new StoreCorruptError(where, '"messages" is not { from, add }');
    if (messages.from !== data.messages.length) {
      throw new StoreCorruptError(where, `its messages start at ${messages.from}, but the state has ${data.messages.length}: a record is missing or repeated`);
    }
    for (const message of messages.add) data.messages.push(message as Message);
  }
  if (calls !== undefined) {
    if (!Array.isArray(calls)) throw new StoreCorruptError(where, '"calls" is not a list');
    for (const entry of calls) {
      if (!isObject(entry) || typeof entry.callId !== 'string') throw new StoreCorruptError(where, 'a ledger entry has no callId');
      data.ledger[entry.callId] = entry as unknown as LedgerEntry;
    }
  }
}
