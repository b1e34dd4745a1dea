import { RunState } from '../run-state';
import type { CheckpointStore } from '../stores/checkpoint-store';
import { CheckpointConflictError } from '../stores/errors';
import { rememberStored } from './journal-writer';
import { JOURNAL_RECORD_VERSION, foldJournal } from './records';

/** A whole-state write that lost a race with another writer of the key reads the key again, this many times. */
const SAVE_ATTEMPTS = 3;

/**
 * The run state a store holds for `key` (its last snapshot and the records after it, folded), or
 * `undefined` when it holds nothing. Hand it to `runAgent` with the same store and the run goes on
 * appending only what each step adds.
 *
 * @example
 * const state = await loadRunState(store, executionArn);
 * if (state?.status === 'AWAITING_APPROVAL') state.approve(state.pendingApprovals[0].approvalId);
 */
export async function loadRunState(store: CheckpointStore, key: string): Promise<RunState | undefined> {
  const stored = await store.load(key);
  if (!stored) return undefined;
  const state = RunState.fromJSON(foldJournal(key, stored));
  rememberStored(state, store, key, stored.records.length);
  return state;
}

/**
 * Stores a whole run state as the newest record of `key` and compacts the key into it: for states
 * kept apart from their run's own journal, such as the last state of a session (`session:<id>`),
 * which the next execution of the session continues from. The last of several writers wins.
 *
 * @example
 * await saveRunState(store, `session:${sessionId}`, result.state);
 */
export async function saveRunState(store: CheckpointStore, key: string, state: RunState): Promise<void> {
  const stateJson = JSON.stringify(state.mutable);
  const recordJson = `{"v":${JOURNAL_RECORD_VERSION},"at":"${new Date().toISOString()}","state":${stateJson}}`;
  try {
    for (let attempt = 1; ; attempt += 1) {
      const seq = ((await store.load(key))?.lastSeq ?? 0) + 1;
      try {
        await store.append(key, [{ seq, json: recordJson }]);
        await store.compact(key, { seq, json: stateJson });
        return;
      } catch (error) {
        if (!(error instanceof CheckpointConflictError) || attempt >= SAVE_ATTEMPTS) throw error;
      }
    }
  } finally {
    await store.release(key);
  }
}
