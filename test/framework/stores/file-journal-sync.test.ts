import fsModule, { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileCheckpointStore, StoreDefaults, type JournalRecord } from '../../../framework/stores';

let directory: string;
let syncs: jest.SpyInstance;

const record = (seq: number): JournalRecord => ({ seq, json: `{"v":1,"n":${seq}}` });

/** Lets the deferred sync's moment pass (the clock is jest's), and the sync run. */
async function passSyncDelay(): Promise<void> {
  jest.advanceTimersByTime(StoreDefaults.deferredSyncMs);
  await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-sync-'));
  syncs = jest.spyOn(fsModule, 'fdatasyncSync');
  // The store's own clock, so a slow machine never lets the deferred sync's moment pass unasked.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});

afterEach(async () => {
  jest.useRealTimers();
  syncs.mockRestore();
  await fs.rm(directory, { recursive: true, force: true });
});

describe('the file journal with deferred syncs (group commit across steps)', () => {
  it('makes a deferred record readable at once, and syncs it together with the next record', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    const reader = new FileCheckpointStore({ directory });
    await store.append('run', [record(1)]);
    const before = syncs.mock.calls.length;
    // Act
    await store.append('run', [record(2)], { deferSync: true });
    const readAtOnce = await reader.load('run');
    const syncsAfterDeferred = syncs.mock.calls.length - before;
    await store.append('run', [record(3)]);
    // Assess
    expect(readAtOnce?.records.map((loaded) => loaded.seq)).toEqual([1, 2]);
    expect(syncsAfterDeferred).toBe(0);
    expect(syncs.mock.calls.length - before).toBe(1);
    await store.release('run');
    expect((await reader.load('run'))?.records.map((loaded) => loaded.seq)).toEqual([1, 2, 3]);
  });

  it('syncs a deferred record on its own when no other record follows it', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    await store.append('run', [record(1)]);
    const before = syncs.mock.calls.length;
    // Act
    await store.append('run', [record(2)], { deferSync: true });
    // Assess
    const beforeTheMoment = syncs.mock.calls.length - before;
    await passSyncDelay();
    expect(beforeTheMoment).toBe(0);
    expect(syncs.mock.calls.length - before).toBe(1);
    await store.release('run');
  });

  it('syncs a deferred record before it lets the key go', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    await store.append('run', [record(1)]);
    await store.append('run', [record(2)], { deferSync: true });
    const before = syncs.mock.calls.length;
    // Act
    await store.release('run');
    // Assess
    expect(syncs.mock.calls.length - before).toBe(1);
  });

  it('fails every later append and the release when a deferred sync failed, so no record sits on lost ones', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    await store.append('run', [record(1)]);
    syncs.mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    });
    await store.append('run', [record(2)], { deferSync: true });
    await passSyncDelay();
    // Act
    const next = store.append('run', [record(3)]);
    // Assess
    await expect(next).rejects.toThrow('EIO');
    await expect(store.release('run')).rejects.toThrow('EIO');
    const reread = await new FileCheckpointStore({ directory }).load('run');
    expect(reread?.lastSeq).toBe(2);
  });
});
