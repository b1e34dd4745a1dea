import { MemoryCheckpointStore, type AppendOptions, type CheckpointStore, type JournalRecord, type StoredJournal } from '../../framework/stores';

/** A memory checkpoint store that also keeps every append and compaction it was asked for, in order. */
export class RecordingStore implements CheckpointStore {
  readonly inner = new MemoryCheckpointStore();
  readonly appends: { key: string; records: JournalRecord[]; deferSync: boolean }[] = [];
  readonly compactions: { key: string; seq: number; bytes: number }[] = [];
  /** Fails the append with this number (1-based), once, to test what a broken store does to a run. */
  failAppend?: { at: number; error: Error };

  load(key: string): Promise<StoredJournal | undefined> {
    return this.inner.load(key);
  }

  async append(key: string, records: readonly JournalRecord[], options?: AppendOptions): Promise<void> {
    if (this.failAppend && this.failAppend.at === this.appends.length + 1) {
      const { error } = this.failAppend;
      this.failAppend = undefined;
      throw error;
    }
    await this.inner.append(key, records, options);
    this.appends.push({ key, records: [...records], deferSync: options?.deferSync === true });
  }

  async compact(key: string, snapshot: JournalRecord): Promise<void> {
    await this.inner.compact(key, snapshot);
    this.compactions.push({ key, seq: snapshot.seq, bytes: snapshot.json.length });
  }

  release(key: string): Promise<void> {
    return this.inner.release(key);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  /** The records appended to `key`, in order. */
  recordsOf(key: string): JournalRecord[] {
    return this.appends.filter((append) => append.key === key).flatMap((append) => append.records);
  }
}
