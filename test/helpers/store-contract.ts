import { InvalidInputError } from '../../framework/errors';
import { EventType, type StepwiseEvent } from '../../framework/events';
import { CheckpointConflictError, followEvents, type LoggedEvent, type StoreSet, type StoredApproval } from '../../framework/stores';

/** How a contract suite gets fresh, empty stores for each test. */
export interface StoreContractSubject {
  readonly create: () => Promise<StoreSet>;
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

const savedAt = '2025-01-01T00:00:00.000Z';
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

    describe('checkpoints', () => {
      it('returns nothing for an execution that was never saved', async () => {
        await expect(stores.checkpoints.load('arn:never')).resolves.toBeUndefined();
      });

      it('loads back the last committed checkpoint exactly', async () => {
        const state = { messages: [{ role: 'user', content: 'héllo ✓' }], ledger: { a: { status: 'completed', result: null } }, costUsd: 0.25 };
        await stores.checkpoints.save('arn:run', { sequence: 0, state: { first: true }, savedAt });
        await stores.checkpoints.save('arn:run', { sequence: 1, state, savedAt });
        await expect(stores.checkpoints.load('arn:run')).resolves.toEqual({ sequence: 1, state, savedAt });
      });

      it('refuses a checkpoint that is not newer than the stored one and keeps the stored one', async () => {
        await stores.checkpoints.save('arn:run', { sequence: 5, state: { step: 5 }, savedAt });
        const same = stores.checkpoints.save('arn:run', { sequence: 5, state: { step: 'zombie' }, savedAt });
        const older = stores.checkpoints.save('arn:run', { sequence: 4, state: { step: 'zombie' }, savedAt });
        await expect(same).rejects.toBeInstanceOf(CheckpointConflictError);
        await expect(older).rejects.toMatchObject({ key: 'arn:run', attemptedSequence: 4 });
        await expect(stores.checkpoints.load('arn:run')).resolves.toMatchObject({ sequence: 5, state: { step: 5 } });
      });

      it('lets exactly the newest of many concurrent saves win', async () => {
        const order = [3, 9, 1, 7, 10, 2, 8, 4, 6, 5];
        const results = await Promise.allSettled(order.map((sequence) => stores.checkpoints.save('arn:race', { sequence, state: { sequence }, savedAt })));
        const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
        expect(rejected.every((result) => result.reason instanceof CheckpointConflictError)).toBe(true);
        await expect(stores.checkpoints.load('arn:race')).resolves.toMatchObject({ sequence: 10, state: { sequence: 10 } });
      });

      it('keeps keys apart, even ones that differ only in case, punctuation or a long tail', async () => {
        const long = 'session:'.padEnd(400, 'x');
        const keys = ['session:abc', 'session/abc', 'Session:ABC', 'session%3Aabc', `${long}1`, `${long}2`, 'arn:aws:states:us-east-1:1:execution:a:b'];
        await Promise.all(keys.map((key, index) => stores.checkpoints.save(key, { sequence: index, state: { key }, savedAt })));
        for (const [index, key] of keys.entries()) {
          await expect(stores.checkpoints.load(key)).resolves.toEqual({ sequence: index, state: { key }, savedAt });
        }
      });

      it('forgets a deleted checkpoint, so the key starts over', async () => {
        await stores.checkpoints.save('session:s1', { sequence: 7, state: {}, savedAt });
        await stores.checkpoints.delete('session:s1');
        await stores.checkpoints.delete('session:never-saved');
        await expect(stores.checkpoints.load('session:s1')).resolves.toBeUndefined();
        await expect(stores.checkpoints.save('session:s1', { sequence: 1, state: {}, savedAt })).resolves.toBeUndefined();
      });

      it('does not let the caller change a stored checkpoint through a reference', async () => {
        const state = { list: [1] };
        await stores.checkpoints.save('arn:run', { sequence: 1, state, savedAt });
        state.list.push(2);
        const loaded = await stores.checkpoints.load('arn:run');
        (loaded?.state.list as number[]).push(3);
        await expect(stores.checkpoints.load('arn:run')).resolves.toMatchObject({ state: { list: [1] } });
      });

      it('names the field of an invalid checkpoint', async () => {
        await expect(stores.checkpoints.save('', { sequence: 1, state: {}, savedAt })).rejects.toMatchObject({ field: 'key' });
        await expect(stores.checkpoints.save('k', { sequence: -1, state: {}, savedAt })).rejects.toMatchObject({ field: 'checkpoint.sequence' });
        await expect(stores.checkpoints.save('k', { sequence: 1, state: [] as unknown as Record<string, unknown>, savedAt })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(stores.checkpoints.save('k', { sequence: 1, state: {}, savedAt: 'yesterday' })).rejects.toMatchObject({ field: 'checkpoint.savedAt' });
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
