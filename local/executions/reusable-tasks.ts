import type { TaskRecord } from './types';

/** Why a run re-enters a state it was in before. */
export type ReentryMode = 'resume' | 'redrive';

/**
 * Tasks of the state a re-entered run starts at, by task key, so that the re-run does not repeat
 * what already happened: a succeeded task gives its output again, a waiting approval keeps its
 * token, and (when resuming after a restart) a failed task fails the same way. A redrive re-runs
 * failed tasks, as AWS does. Each record is used once: retries inside the re-run are new tasks.
 */
export class ReusableTasks {
  private readonly byKey = new Map<string, TaskRecord>();

  constructor(records: readonly TaskRecord[] = [], segment?: number, mode: ReentryMode = 'redrive') {
    for (const record of [...records].sort((a, b) => a.scheduledAt - b.scheduledAt)) {
      if (record.segment !== segment) continue;
      const reusable =
        record.status === 'succeeded' ||
        (mode === 'resume' && (record.status === 'failed' || record.status === 'timed_out' || (record.status === 'waiting' && record.kind === 'lambda')));
      if (reusable) this.byKey.set(record.taskKey, record);
      else this.byKey.delete(record.taskKey);
    }
  }

  /** The record to reuse for a task key, once. */
  take(taskKey: string): TaskRecord | undefined {
    const record = this.byKey.get(taskKey);
    this.byKey.delete(taskKey);
    return record;
  }
}
