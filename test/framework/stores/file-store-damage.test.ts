import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeStoreKey, FileApprovalStore, FileCheckpointStore, FileEventLog, StoreCorruptError } from '../../../framework/stores';
import { sampleApproval, sampleEvent } from '../../helpers/store-contract';

let directory: string;

beforeEach(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-damage-'));
});

afterEach(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

describe('file stores with damaged files', () => {
  it('ignores an event line torn by a killed writer and overwrites it on the next append', async () => {
    // Prepare
    const log = new FileEventLog({ directory });
    await log.append('arn:run', [sampleEvent(1), sampleEvent(2)]);
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.jsonl`);
    await fs.appendFile(file, '{"seq":3,"event":{"type":"tool.ca');
    // Act
    const beforeAppend = await log.read('arn:run');
    const last = await log.append('arn:run', [sampleEvent(3)]);
    // Assess
    expect(beforeAppend.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(last).toBe(3);
    await expect(log.read('arn:run')).resolves.toEqual([1, 2, 3].map((seq) => ({ seq, event: sampleEvent(seq) })));
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line).seq)).toEqual([1, 2, 3]);
  });

  it('starts numbering at 1 when the only line was torn', async () => {
    // Prepare
    const log = new FileEventLog({ directory });
    await fs.writeFile(path.join(directory, `${encodeStoreKey('arn:run')}.jsonl`), '{"seq":1,"ev');
    // Act
    const last = await log.append('arn:run', [sampleEvent(1)]);
    // Assess
    expect(last).toBe(1);
    await expect(log.read('arn:run')).resolves.toEqual([{ seq: 1, event: sampleEvent(1) }]);
  });

  it('reports a damaged line in the middle of a log instead of skipping events, after the events before it', async () => {
    // Prepare
    const log = new FileEventLog({ directory });
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.jsonl`);
    await fs.writeFile(file, `${JSON.stringify({ seq: 1, event: sampleEvent(1) })}\nnot json\n${JSON.stringify({ seq: 3, event: sampleEvent(3) })}\n`);
    // Act
    const intact = await log.read('arn:run');
    const reading = log.read('arn:run', { after: 1 });
    // Assess
    expect(intact).toEqual([{ seq: 1, event: sampleEvent(1) }]);
    await expect(reading).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(reading).rejects.toThrow(`${file}:2`);
  });

  it('reports a line missing from the middle of a log (seqs out of order), naming the line', async () => {
    // Prepare
    const log = new FileEventLog({ directory });
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.jsonl`);
    await fs.writeFile(file, [1, 3, 4].map((seq) => `${JSON.stringify({ seq, event: sampleEvent(seq) })}\n`).join(''));
    // Act
    const reading = log.read('arn:run', { after: 1 });
    // Assess
    await expect(reading).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2 is unreadable: it holds seq 3 where 2 belongs`));
  });

  it('reports a snapshot file that is not a snapshot, naming the file, and appends nothing after it', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.json`);
    await fs.writeFile(file, '{"hello":');
    // Act
    const loading = store.load('arn:run');
    const appending = store.append('arn:run', [{ seq: 1, json: '{}' }]);
    // Assess
    await expect(loading).rejects.toThrow(file);
    await expect(appending).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(fs.readFile(file, 'utf8')).resolves.toBe('{"hello":');
  });

  it('ignores a journal record torn by a killed writer, and the next writer cuts it off and goes on', async () => {
    // Prepare
    const first = new FileCheckpointStore({ directory });
    await first.append('arn:run', [{ seq: 1, json: '{"step":1}' }, { seq: 2, json: '{"step":2}' }]);
    await first.release('arn:run');
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.jsonl`);
    await fs.appendFile(file, '{"seq":3,"record":{"st');
    const next = new FileCheckpointStore({ directory });
    // Act
    const beforeAppend = await next.load('arn:run');
    await next.append('arn:run', [{ seq: 3, json: '{"step":3}' }]);
    // Assess
    expect(beforeAppend).toMatchObject({ lastSeq: 2 });
    await expect(next.load('arn:run')).resolves.toEqual({ records: [1, 2, 3].map((seq) => ({ seq, record: { step: seq } })), lastSeq: 3 });
    expect((await fs.readFile(file, 'utf8')).endsWith('{"seq":3,"record":{"step":3}}\n')).toBe(true);
  });

  it('reports a damaged record or a gap in the middle of a journal, naming the file and line', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.jsonl`);
    await fs.writeFile(file, '{"seq":1,"record":{"a":1}}\nnot json\n{"seq":3,"record":{"a":3}}\n');
    await fs.writeFile(path.join(directory, `${encodeStoreKey('arn:gap')}.jsonl`), '{"seq":1,"record":{"a":1}}\n{"seq":3,"record":{"a":3}}\n');
    // Act
    const [damaged, appending, gap] = await Promise.allSettled([store.load('arn:run'), store.append('arn:run', [{ seq: 4, json: '{}' }]), store.load('arn:gap')]);
    // Assess
    expect(damaged).toMatchObject({ status: 'rejected', reason: expect.any(StoreCorruptError) });
    expect((damaged as PromiseRejectedResult).reason.message).toContain(`${file}:2`);
    expect((appending as PromiseRejectedResult).reason.message).toContain(`${file}:2`);
    expect((gap as PromiseRejectedResult).reason.message).toMatch(/\.jsonl:2 is unreadable: record 3 follows record 1/);
  });

  it('reads a checkpoint written by an earlier version as the snapshot of its run', async () => {
    // Prepare: earlier versions kept one whole checkpoint per run, in the format of today's snapshots
    await fs.writeFile(path.join(directory, `${encodeStoreKey('arn:run')}.json`), JSON.stringify({ sequence: 12, savedAt: '2025-01-01T00:00:00.000Z', state: { status: 'AWAITING_APPROVAL' } }));
    const store = new FileCheckpointStore({ directory });
    // Act
    const loaded = await store.load('arn:run');
    await store.append('arn:run', [{ seq: 13, json: '{"step":13}' }]);
    // Assess
    expect(loaded).toEqual({ snapshot: { sequence: 12, savedAt: '2025-01-01T00:00:00.000Z', state: { status: 'AWAITING_APPROVAL' } }, records: [], lastSeq: 12 });
    await expect(store.load('arn:run')).resolves.toMatchObject({ snapshot: { sequence: 12 }, records: [{ seq: 13 }], lastSeq: 13 });
  });

  it('lists approvals without tripping over temporary files of a killed writer', async () => {
    // Prepare
    const approvals = new FileApprovalStore({ directory });
    await approvals.put(sampleApproval('ap-1'));
    await fs.writeFile(path.join(directory, '.ap-2.json.999999.0123456789abcdef.tmp'), '{"approvalId":');
    // Act
    const listed = await approvals.list();
    // Assess
    expect(listed.map((approval) => approval.approvalId)).toEqual(['ap-1']);
  });
});
