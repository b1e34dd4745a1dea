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

  it('reports a checkpoint file that is not a checkpoint, naming the file', async () => {
    // Prepare
    const store = new FileCheckpointStore({ directory });
    const file = path.join(directory, `${encodeStoreKey('arn:run')}.json`);
    await fs.writeFile(file, '{"hello":');
    // Act
    const loading = store.load('arn:run');
    const saving = store.save('arn:run', { sequence: 1, state: {}, savedAt: new Date().toISOString() });
    // Assess
    await expect(loading).rejects.toThrow(file);
    await expect(saving).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(fs.readFile(file, 'utf8')).resolves.toBe('{"hello":');
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
