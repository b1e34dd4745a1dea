import { InvalidInputError } from '../../framework/errors';
import { EventType, type StepwiseEvent } from '../../framework/events';
import { CheckpointConflictError, followEvents, type JournalRecord, type LoggedEvent, type StoreSet, type StoredApproval } from '../../framework/stores';

/** How a contract suite gets fresh, empty stores for each test. */
export interface StoreContractSubject {
  readonly create: () => Promise<StoreSet>;
  /** Another instance of the stores last created, on the same storage (another process would see this). */
  readonly reopen: () => Promise<StoreSet>;
  readonly cleanup?: () => Promise<void>;
}

/** A `tool.called` event; `index` makes each one recognisable. */
export function sampleEvent(index: number, runId = 'run-1'): StepwiseEvent {
  return { type: EventType.ToolCalled, runId, agent: 'research', at: new Date(0).toISOString(), iteration: index, callId: `call-${index}`, tool: 'search', args: { query: `q${index}`, nested: { list: [1, 2, { deep: true }] } } };
}

/** A pending approval of `executionArn`, requested `minute` minutes after midnight. */
export function sampleApproval(approvalId: string, executionArn = 'arn:aws:states:us-east-1:123456789012:execution:research:run-1', minute = 0): StoredApproval {
  const requestedAt = new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();
  return {
    approvalId,
    executionArn,
    agent: 'research',
    callId: `call-${approvalId}`,
    tool: 'send_email',
    args: { to: 'ops@example.com', body: { text: 'hello', attachments: [] } },
    reasoning: 'The user asked to notify ops.',
    taskToken: `token-${approvalId}`,
    requestedAt,
    expiresAt: new Date(Date.parse(requestedAt) + 86_400_000).toISOString(),
  };
}

const seqs = (events: readonly LoggedEvent[]): number[] => events.map((logged) => logged.seq);

/** The behaviour every implementation of the three stores must share. */
export function describeStoreContract(name: string, subject: StoreContractSubject): void {
  describe(`${name} stores (contract)`, () => {
    let stores: StoreSet;
    beforeEach(async () => {
      stores = await subject.create();
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    describe('checkpoints (run journals)', () => {
      const record = (seq: number, body: Record<string, unknown> = { step: seq }): JournalRecord => ({ seq, json: JSON.stringify(body) });

      it('returns nothing for a run that was never written', async () => {
        await expect(stores.checkpoints.load('arn:never')).resolves.toBeUndefined();
      });

      it('loads back every appended record, in order and exactly', async () => {
        const body = { messages: [{ role: 'user', content: 'héllo ✓ "quoted" \\ back' }], ledger: { a: { status: 'completed', result: null } }, costUsd: 0.25 };
        await stores.checkpoints.append('arn:run', [record(1)]);
        await stores.checkpoints.append('arn:run', [record(2, body), record(3)]);
        await expect(stores.checkpoints.load('arn:run')).resolves.toEqual({ records: [{ seq: 1, record: { step: 1 } }, { seq: 2, record: body }, { seq: 3, record: { step: 3 } }], lastSeq: 3 });
      });

      it('starts a new run at any sequence, then accepts only the next one', async () => {
        await stores.checkpoints.append('arn:run', [record(8)]);
        await expect(stores.checkpoints.append('arn:run', [record(10)])).rejects.toMatchObject({ name: 'CheckpointConflictError', key: 'arn:run', attemptedSequence: 10, storedSequence: 8 });
        await expect(stores.checkpoints.append('arn:run', [record(9)])).resolves.toBeUndefined();
        await expect(stores.checkpoints.load('arn:run')).resolves.toMatchObject({ lastSeq: 9 });
      });

      it('refuses a record that is not the next one and keeps what it holds (a zombie writer)', async () => {
        await stores.checkpoints.append('arn:run', [record(1), record(2)]);
        const same = stores.checkpoints.append('arn:run', [record(2, { step: 'zombie' })]);
        const older = stores.checkpoints.append('arn:run', [record(1, { step: 'zombie' }), record(2, { step: 'zombie' }), record(3, { step: 'zombie' })]);
        await expect(same).rejects.toBeInstanceOf(CheckpointConflictError);
        await expect(older).rejects.toMatchObject({ key: 'arn:run', attemptedSequence: 1 });
        await expect(stores.checkpoints.load('arn:run')).resolves.toEqual({ records: [{ seq: 1, record: { step: 1 } }, { seq: 2, record: { step: 2 } }], lastSeq: 2 });
      });

      it('lets exactly one of many concurrent appends of the same sequence win', async () => {
        await stores.checkpoints.append('arn:race', [record(1)]);
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, writer) => stores.checkpoints.append('arn:race', [record(2, { writer })])));
        const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
        expect(rejected).toHaveLength(9);
        expect(rejected.every((result) => result.reason instanceof CheckpointConflictError)).toBe(true);
        await expect(stores.checkpoints.load('arn:race')).resolves.toMatchObject({ lastSeq: 2 });
      });

      it('reads a compacted journal as its snapshot plus the records after it, and goes on from there', async () => {
        await stores.checkpoints.append('arn:run', [record(1), record(2), record(3)]);
        await stores.checkpoints.compact('arn:run', { seq: 3, json: JSON.stringify({ whole: 3 }) });
        await stores.checkpoints.append('arn:run', [record(4)]);
        const loaded = await stores.checkpoints.load('arn:run');
        expect(loaded).toMatchObject({ snapshot: { sequence: 3, state: { whole: 3 } }, records: [{ seq: 4, record: { step: 4 } }], lastSeq: 4 });
        expect(Date.parse(loaded!.snapshot!.savedAt)).not.toBeNaN();
        await expect(stores.checkpoints.append('arn:run', [record(4)])).rejects.toBeInstanceOf(CheckpointConflictError);
      });

      it('refuses a snapshot of a sequence the journal has not reached, and ignores one older than the stored snapshot', async () => {
        await stores.checkpoints.append('arn:run', [record(1), record(2)]);
        await expect(stores.checkpoints.compact('arn:run', { seq: 3, json: '{}' })).rejects.toMatchObject({ name: 'CheckpointConflictError', attemptedSequence: 3 });
        await expect(stores.checkpoints.compact('arn:none', { seq: 1, json: '{}' })).rejects.toBeInstanceOf(CheckpointConflictError);
        await stores.checkpoints.compact('arn:run', { seq: 2, json: JSON.stringify({ whole: 2 }) });
        await stores.checkpoints.compact('arn:run', { seq: 1, json: JSON.stringify({ whole: 1 }) });
        await expect(stores.checkpoints.load('arn:run')).resolves.toMatchObject({ snapshot: { sequence: 2, state: { whole: 2 } }, records: [], lastSeq: 2 });
      });

      it('keeps keys apart, even ones that differ only in case, punctuation or a long tail', async () => {
        const long = 'session:'.padEnd(400, 'x');
        const keys = ['session:abc', 'session/abc', 'Session:ABC', 'session%3Aabc', `${long}1`, `${long}2`, 'arn:aws:states:us-east-1:1:execution:a:b'];
        await Promise.all(keys.map((key, index) => stores.checkpoints.append(key, [record(index + 1, { key })])));
        for (const [index, key] of keys.entries()) {
          await expect(stores.checkpoints.load(key)).resolves.toEqual({ records: [{ seq: index + 1, record: { key } }], lastSeq: index + 1 });
        }
      });

      it('forgets a deleted run, so the key starts over', async () => {
        await stores.checkpoints.append('session:s1', [record(7)]);
        await stores.checkpoints.compact('session:s1', { seq: 7, json: '{}' });
        await stores.checkpoints.delete('session:s1');
        await stores.checkpoints.delete('session:never-saved');
        await expect(stores.checkpoints.load('session:s1')).resolves.toBeUndefined();
        await expect(stores.checkpoints.append('session:s1', [record(1)])).resolves.toBeUndefined();
      });

      it('lets another writer continue a journal once the first released it', async () => {
        const other = await subject.reopen();
        await stores.checkpoints.append('arn:run', [record(1)]);
        await stores.checkpoints.release('arn:run');
        await other.checkpoints.append('arn:run', [record(2)]);
        await other.checkpoints.release('arn:run');
        await expect(stores.checkpoints.load('arn:run')).resolves.toMatchObject({ lastSeq: 2 });
      });

      it('does not let the caller change what is stored through a reference', async () => {
        await stores.checkpoints.append('arn:run', [record(1, { list: [1] })]);
        const loaded = await stores.checkpoints.load('arn:run');
        (loaded?.records[0].record.list as number[]).push(3);
        await expect(stores.checkpoints.load('arn:run')).resolves.toMatchObject({ records: [{ record: { list: [1] } }] });
      });

      it('names what is wrong with an invalid append', async () => {
        await expect(stores.checkpoints.append('', [record(1)])).rejects.toMatchObject({ field: 'key' });
        await expect(stores.checkpoints.append('k', [])).rejects.toMatchObject({ field: 'records' });
        await expect(stores.checkpoints.append('k', [record(0)])).rejects.toMatchObject({ field: 'records[0].seq' });
        await expect(stores.checkpoints.append('k', [record(1), record(3)])).rejects.toMatchObject({ field: 'records[1].seq' });
        await expect(stores.checkpoints.append('k', [{ seq: 1, json: '[1]' }])).rejects.toBeInstanceOf(InvalidInputError);
        await expect(stores.checkpoints.append('k', [{ seq: 1, json: '{"a":\n1}' }])).rejects.toMatchObject({ field: 'records[0].json' });
        await expect(stores.checkpoints.load('k')).resolves.toBeUndefined();
      });
    });

    describe('events', () => {
      it('reads an empty log for an execution without events', async () => {
        await expect(stores.events.read('run-none')).resolves.toEqual([]);
        await expect(stores.events.append('run-none', [])).resolves.toBe(0);
      });

      it('numbers events from 1 without gaps across batches and returns the last number', async () => {
        await expect(stores.events.append('run-1', [sampleEvent(1), sampleEvent(2)])).resolves.toBe(2);
        await expect(stores.events.append('run-1', [sampleEvent(3)])).resolves.toBe(3);
        await expect(stores.events.append('run-1', [])).resolves.toBe(3);
        const logged = await stores.events.read('run-1');
        expect(logged).toEqual([1, 2, 3].map((seq) => ({ seq, event: sampleEvent(seq) })));
      });

      it('gives a reconnecting client exactly what it missed', async () => {
        await stores.events.append('run-1', [1, 2, 3, 4, 5].map((index) => sampleEvent(index)));
        await expect(stores.events.read('run-1', { after: 3 }).then(seqs)).resolves.toEqual([4, 5]);
        await expect(stores.events.read('run-1', { after: 1, limit: 2 }).then(seqs)).resolves.toEqual([2, 3]);
        await expect(stores.events.read('run-1', { after: 5 })).resolves.toEqual([]);
      });

      it('keeps the logs of different executions apart', async () => {
        await stores.events.append('arn:a', [sampleEvent(1, 'a')]);
        await stores.events.append('arn:b', [sampleEvent(1, 'b'), sampleEvent(2, 'b')]);
        await expect(stores.events.read('arn:a')).resolves.toEqual([{ seq: 1, event: sampleEvent(1, 'a') }]);
        await expect(stores.events.read('arn:b').then(seqs)).resolves.toEqual([1, 2]);
      });

      it('never gives two concurrent appends the same numbers and keeps each batch in order', async () => {
        const batches = Array.from({ length: 8 }, (_, batch) => [0, 1, 2].map((index) => sampleEvent(batch * 10 + index)));
        const lasts = await Promise.all(batches.map((batch) => stores.events.append('run-1', batch)));
        const logged = await stores.events.read('run-1');
        expect(seqs(logged)).toEqual(Array.from({ length: 24 }, (_, index) => index + 1));
        expect(new Set(lasts).size).toBe(8);
        for (const [batch, last] of lasts.entries()) {
          expect(logged.slice(last - 3, last).map((entry) => entry.event)).toEqual(batches[batch]);
        }
      });

      it('refuses an event without a type, naming it', async () => {
        const events = [sampleEvent(1), { runId: 'x' } as unknown as StepwiseEvent];
        await expect(stores.events.append('run-1', events)).rejects.toMatchObject({ field: 'events[1].type' });
        await expect(stores.events.read('run-1')).resolves.toEqual([]);
      });

      it('follows a log: what is there, then what arrives, until aborted', async () => {
        await stores.events.append('run-1', [sampleEvent(1), sampleEvent(2)]);
        const controller = new AbortController();
        const seen: number[] = [];
        const following = (async () => {
          for await (const logged of followEvents(stores.events, 'run-1', { after: 1, pollMs: 5, signal: controller.signal })) {
            seen.push(logged.seq);
            if (logged.seq === 2) await stores.events.append('run-1', [sampleEvent(3)]);
            if (logged.seq === 3) controller.abort();
          }
        })();
        await following;
        expect(seen).toEqual([2, 3]);
      });
    });

    describe('approvals', () => {
      it('returns nothing for an unknown approval', async () => {
        await expect(stores.approvals.get('nope')).resolves.toBeUndefined();
      });

      it('keeps an approval with its task token until it is deleted', async () => {
        const approval = sampleApproval('ap-1');
        await stores.approvals.put(approval);
        await expect(stores.approvals.get('ap-1')).resolves.toEqual(approval);
        await stores.approvals.delete('ap-1');
        await stores.approvals.delete('ap-1');
        await expect(stores.approvals.get('ap-1')).resolves.toBeUndefined();
        await expect(stores.approvals.list()).resolves.toEqual([]);
      });

      it('replaces an approval put again under the same id', async () => {
        await stores.approvals.put(sampleApproval('ap-1'));
        await stores.approvals.put({ ...sampleApproval('ap-1'), taskToken: 'token-renewed' });
        await expect(stores.approvals.list()).resolves.toMatchObject([{ approvalId: 'ap-1', taskToken: 'token-renewed' }]);
      });

      it('lists approvals oldest first, all or for one execution', async () => {
        await stores.approvals.put(sampleApproval('ap-late', 'arn:exec:a', 30));
        await stores.approvals.put(sampleApproval('ap-other', 'arn:exec:b', 10));
        await stores.approvals.put(sampleApproval('ap-early', 'arn:exec:a', 5));
        const all = await stores.approvals.list();
        const ofA = await stores.approvals.list({ executionArn: 'arn:exec:a' });
        expect(all.map((approval) => approval.approvalId)).toEqual(['ap-early', 'ap-other', 'ap-late']);
        expect(ofA.map((approval) => approval.approvalId)).toEqual(['ap-early', 'ap-late']);
        await expect(stores.approvals.list({ executionArn: 'arn:exec:none' })).resolves.toEqual([]);
      });

      it('refuses an approval without a task token, naming the field', async () => {
        await expect(stores.approvals.put({ ...sampleApproval('ap-1'), taskToken: '' })).rejects.toMatchObject({ field: 'approval.taskToken' });
        await expect(stores.approvals.put({ ...sampleApproval('ap-1'), expiresAt: 'soon' })).rejects.toMatchObject({ field: 'approval.expiresAt' });
        await expect(stores.approvals.get('ap-1')).resolves.toBeUndefined();
      });
    });
  });
}
