import type { Message } from '../model';
import type { RunState, RunStateData } from '../run-state';
import type { CheckpointStore } from '../stores/checkpoint-store';
import { JOURNAL_RECORD_VERSION, OWN_RECORD_FIELDS } from './records';

/** When a journal is compacted into a snapshot, so a resume reads O(snapshot + tail). */
export const JournalDefaults = {
  /** Compact once the records since the last snapshot take at least as many bytes as the snapshot, and at least this many. */
  minCompactBytes: 64 * 1024,
  /** …or once this many records follow the snapshot, however small they are. */
  maxTailRecords: 1_000,
} as const;

/**
 * What the store holds of a state, as of the last committed record: the writer compares the state
 * with it to find what a step added. Kept beside the `RunState` (not in it), so a state loaded
 * from a store and handed back to `runAgent` continues with changes only.
 */
interface Baseline {
  readonly store: CheckpointStore | undefined;
  readonly key: string;
  seq: number;
  /** The messages array the count refers to: a state whose array was replaced is written whole. */
  messages: readonly Message[];
  messageCount: number;
  /** Each `set` field's JSON as last written. */
  header: Map<string, string>;
  /** JSON of the ledger entries that can still change (those of the latest assistant messages), as last written. */
  calls: Map<string, string>;
  /** The last assistant message already written: only its calls and later ones can change. */
  assistantIndex: number;
  tailBytes: number;
  tailRecords: number;
  snapshotBytes: number;
}

const baselines = new WeakMap<RunState, Baseline>();

/**
 * Records what the store holds of `state` (just loaded from it), so the next run of it appends
 * changes only. @internal
 */
export function rememberStored(state: RunState, store: CheckpointStore, key: string, tailRecords: number): void {
  const data = state.mutable;
  const { header } = headerChanges(data, undefined);
  const watched = watchedCalls(data, lastAssistantIndex(data.messages));
  baselines.set(state, {
    store,
    key,
    seq: data.sequence,
    messages: data.messages,
    messageCount: data.messages.length,
    header,
    calls: watched.calls,
    assistantIndex: watched.lastAssistant,
    tailBytes: 0,
    tailRecords,
    snapshotBytes: 0,
  });
}

/** Options of a `JournalWriter`. */
export interface JournalWriterOptions {
  /** Where records go; without a store the writer only counts sequences and calls `onCommit`. */
  readonly store?: CheckpointStore;
  /** The journal's key (the run id). */
  readonly key: string;
  /** Brings the state's clocks and cost up to date just before each record is taken. */
  readonly beforeCommit?: () => void;
  /** Called after each commit with the committed state (`RunOptions.onCheckpoint`). */
  readonly onCommit?: (state: RunState) => Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  readonly deferSync: boolean;
}

/**
 * Commits a run's steps to its journal: each commit appends one record with what changed since the
 * last (group commit: commits asked for while a write is under way share the next record), and
 * the journal is compacted into a snapshot when its tail outgrows it. Nothing is deep-copied: the
 * record is the JSON of the changed parts, taken synchronously, so later changes go to the next
 * record. A failed write fails every later commit: the run must not go on without its journal.
 * @internal
 */
export class JournalWriter {
  private baseline: Baseline | undefined;
  private waiting: Waiter[] = [];
  private draining = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly state: RunState,
    private readonly options: JournalWriterOptions,
  ) {
    const known = baselines.get(state);
    // A state this store gave back continues with changes; any other (new, or from elsewhere) is written whole first.
    if (known && known.store === options.store && known.key === options.key && known.seq === state.sequence) this.baseline = known;
  }

  /**
   * Resolves once everything the state holds now is durable, or, with `deferSync`, written and
   * durable by the next commit that does not defer (see `AppendOptions.deferSync`).
   */
  commit(options: { readonly deferSync?: boolean } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject, deferSync: options.deferSync === true });
      if (this.draining) return;
      this.draining = true;
      // Commits asked for in the same tick (calls settling together) share one record.
      queueMicrotask(() => void this.drain());
    });
  }

  /** Ends this writer's hold on the journal (the file store's lock). */
  async close(): Promise<void> {
    if (this.options.store) await this.options.store.release(this.options.key);
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        // A record shared by several commits is synced at once if any of them needs it.
        await this.writeOnce(batch.every((waiter) => waiter.deferSync));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        this.failure = { error };
        for (const waiter of [...batch, ...this.waiting.splice(0)]) waiter.reject(error);
      }
    }
    this.draining = false;
  }

  private async writeOnce(deferSync: boolean): Promise<void> {
    this.options.beforeCommit?.();
    const data = this.state.mutable;
    const seq = data.sequence + 1;
    data.sequence = seq;
    const { store, key } = this.options;
    if (store) {
      const at = new Date().toISOString();
      const taken = this.baseline ? changeRecord(data, this.baseline, at) : wholeRecord(data, at);
      const next = taken.next(store, key, seq);
      const compact = next.tailRecords >= JournalDefaults.maxTailRecords || next.tailBytes >= Math.max(next.snapshotBytes, JournalDefaults.minCompactBytes);
      // Taken now, with the record: the state may change while the record is written.
      const snapshot = compact ? JSON.stringify(data) : undefined;
      await store.append(key, [{ seq, json: taken.json }], deferSync ? { deferSync } : undefined);
      if (snapshot !== undefined) {
        await store.compact(key, { seq, json: snapshot });
        next.tailBytes = 0;
        next.tailRecords = 0;
        next.snapshotBytes = snapshot.length;
      }
      this.baseline = next;
      baselines.set(this.state, next);
    }
    await this.options.onCommit?.(this.state);
  }
}

interface TakenRecord {
  readonly json: string;
  /** The baseline once this record is stored. */
  next(store: CheckpointStore, key: string, seq: number): Baseline;
}

/** The whole state as a record: the start of a journal. */
function wholeRecord(data: RunStateData, at: string): TakenRecord {
  const json = `{"v":${JOURNAL_RECORD_VERSION},"at":"${at}","state":${JSON.stringify(data)}}`;
  const { header } = headerChanges(data, undefined);
  const watched = watchedCalls(data, lastAssistantIndex(data.messages));
  const messages = data.messages;
  const messageCount = messages.length;
  return {
    json,
    next: (store, key, seq) => ({
      store,
      key,
      seq,
      messages,
      messageCount,
      header,
      calls: watched.calls,
      assistantIndex: watched.lastAssistant,
      tailBytes: json.length,
      tailRecords: 1,
      snapshotBytes: 0,
    }),
  };
}

/** What changed since `baseline`, as a record; a state whose conversation was replaced is written whole. */
function changeRecord(data: RunStateData, baseline: Baseline, at: string): TakenRecord {
  if (data.messages !== baseline.messages || data.messages.length < baseline.messageCount) return wholeRecord(data, at);
  const parts: string[] = [`"v":${JOURNAL_RECORD_VERSION}`, `"at":"${at}"`];
  const { header, set, unset } = headerChanges(data, baseline.header);
  if (set.length > 0) parts.push(`"set":{${set.join(',')}}`);
  if (unset.length > 0) parts.push(`"unset":${JSON.stringify(unset)}`);
  const messageCount = data.messages.length;
  if (messageCount > baseline.messageCount) {
    parts.push(`"messages":{"from":${baseline.messageCount},"add":${JSON.stringify(data.messages.slice(baseline.messageCount))}}`);
  }
  const watched = watchedCalls(data, baseline.assistantIndex);
  const changed: string[] = [];
  for (const [callId, json] of watched.calls) if (baseline.calls.get(callId) !== json) changed.push(json);
  if (changed.length > 0) parts.push(`"calls":[${changed.join(',')}]`);
  const json = `{${parts.join(',')}}`;
  return {
    json,
    next: (store, key, seq) => ({
      ...baseline,
      store,
      key,
      seq,
      messageCount,
      header,
      calls: watched.calls,
      assistantIndex: watched.lastAssistant,
      tailBytes: baseline.tailBytes + json.length,
      tailRecords: baseline.tailRecords + 1,
    }),
  };
}

/** The JSON of each state field a record carries in `set`, and those that differ from `previous`. */
function headerChanges(data: RunStateData, previous: ReadonlyMap<string, string> | undefined): { header: Map<string, string>; set: string[]; unset: string[] } {
  const header = new Map<string, string>();
  const set: string[] = [];
  for (const field of Object.keys(data)) {
    if (OWN_RECORD_FIELDS.has(field)) continue;
    const json = JSON.stringify((data as unknown as Record<string, unknown>)[field]);
    if (json === undefined) continue;
    header.set(field, json);
    if (previous?.get(field) !== json) set.push(`${JSON.stringify(field)}:${json}`);
  }
  const unset = previous ? [...previous.keys()].filter((field) => !header.has(field)) : [];
  return { header, set, unset };
}

/** The index of the last assistant message, or -1. */
function lastAssistantIndex(messages: readonly Message[]): number {
  for (let index = messages.length - 1; index >= 0; index -= 1) if (messages[index].role === 'assistant') return index;
  return -1;
}

/**
 * The ledger entries that may have changed since the last record: those of the assistant messages
 * from index `from` on (the last one already written, and every one after it), and of the pending
 * approvals. Older entries are settled for good: the runner only touches the calls of the turn at
 * hand. `from` is -1 when no assistant message was written yet.
 */
function watchedCalls(data: RunStateData, from: number): { calls: Map<string, string>; lastAssistant: number } {
  const calls = new Map<string, string>();
  let lastAssistant = from;
  const add = (callId: string): void => {
    const entry = data.ledger[callId];
    if (entry && !calls.has(callId)) calls.set(callId, JSON.stringify(entry));
  };
  for (let index = Math.max(0, from); index < data.messages.length; index += 1) {
    const message = data.messages[index];
    if (message.role !== 'assistant') continue;
    lastAssistant = index;
    for (const call of message.toolCalls ?? []) add(call.id);
  }
  for (const pending of data.pendingApprovals) add(pending.callId);
  return { calls, lastAssistant };
}
