import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { CheckpointConflictError, DynamoDbCheckpointStore, StoreCorruptError, type DynamoDbCheckpointStoreOptions, type JournalRecord } from '../../../framework/stores';

const dynamodb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const key = 'arn:aws:states:us-east-1:123456789012:execution:research:run-1';

function newStore(options: Partial<DynamoDbCheckpointStoreOptions> = {}): DynamoDbCheckpointStore {
  return new DynamoDbCheckpointStore({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), tableName: 'RunState', bucket: 'payloads', ...options });
}

const record = (seq: number, body: Record<string, unknown> = { step: seq }): JournalRecord => ({ seq, json: JSON.stringify(body) });

type Item = Record<string, unknown> & { pk: string; sk: number };

/**
 * A table (pk, sk) and a bucket behind the mocked clients that keep what is written and honour the
 * conditions the store sends, as DynamoDB does: a put of an existing key under
 * `attribute_not_exists` fails, a transaction fails whole with a reason per action.
 */
function fakeTable(): { items: Map<string, Item>; objects: Map<string, string> } {
  const items = new Map<string, Item>();
  const objects = new Map<string, string>();
  const id = (pk: string, sk: number): string => `${pk}#${sk}`;
  const holds = (condition: string | undefined, existing: Item | undefined, values: Record<string, unknown> | undefined): boolean => {
    if (condition === undefined) return true;
    if (condition === 'attribute_not_exists(#pk)') return existing === undefined;
    if (condition === 'attribute_exists(#pk)') return existing !== undefined;
    if (condition === 'attribute_not_exists(#pk) OR #snap < :seq') return existing === undefined || (existing.snapshotSeq as number) < (values?.[':seq'] as number);
    throw new Error(`the fake table does not know the condition ${condition}`);
  };
  dynamodb.on(PutCommand).callsFake(async (input: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> }) => {
    if (!holds(input.ConditionExpression, items.get(id(input.Item.pk, input.Item.sk)), input.ExpressionAttributeValues)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    items.set(id(input.Item.pk, input.Item.sk), input.Item);
    return {};
  });
  dynamodb.on(GetCommand).callsFake(async (input: { Key: { pk: string; sk: number } }) => ({ Item: items.get(id(input.Key.pk, input.Key.sk)) }));
  dynamodb.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues: { ':pk': string; ':after'?: number } }) => {
    const after = input.ExpressionAttributeValues[':after'] ?? Number.NEGATIVE_INFINITY;
    const found = [...items.values()].filter((item) => item.pk === input.ExpressionAttributeValues[':pk'] && item.sk > after).sort((a, b) => a.sk - b.sk);
    return { Items: found };
  });
  dynamodb.on(TransactWriteCommand).callsFake(async (input: { TransactItems: { Put?: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> }; ConditionCheck?: { Key: { pk: string; sk: number }; ConditionExpression: string } }[] }) => {
    const reasons = input.TransactItems.map((action) => {
      const target = action.Put ? id(action.Put.Item.pk, action.Put.Item.sk) : id(action.ConditionCheck!.Key.pk, action.ConditionCheck!.Key.sk);
      const condition = action.Put?.ConditionExpression ?? action.ConditionCheck!.ConditionExpression;
      return { Code: holds(condition, items.get(target), action.Put?.ExpressionAttributeValues) ? 'None' : 'ConditionalCheckFailed' };
    });
    if (reasons.some((reason) => reason.Code !== 'None')) throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    for (const action of input.TransactItems) if (action.Put) items.set(id(action.Put.Item.pk, action.Put.Item.sk), action.Put.Item);
    return {};
  });
  dynamodb.on(BatchWriteCommand).callsFake(async (input: { RequestItems: Record<string, { DeleteRequest: { Key: { pk: string; sk: number } } }[]> }) => {
    for (const request of Object.values(input.RequestItems).flat()) items.delete(id(request.DeleteRequest.Key.pk, request.DeleteRequest.Key.sk));
    return { UnprocessedItems: {} };
  });
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => {
    objects.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('missing'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => body } };
  });
  s3.on(DeleteObjectCommand).callsFake(async (input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
  return { items, objects };
}

beforeEach(() => {
  dynamodb.reset();
  s3.reset();
});

describe('DynamoDbCheckpointStore', () => {
  it('writes each record as one small item with a conditional put on its own (run, seq) key', async () => {
    // Prepare
    const { items } = fakeTable();
    const store = newStore();
    // Act
    await store.append(key, [record(1)]);
    await store.append(key, [record(2, { step: 'two', text: 'héllo ✓' })]);
    // Assess
    const puts = dynamodb.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts[1]).toEqual({
      TableName: 'RunState',
      Item: { pk: key, sk: 2, record: '{"step":"two","text":"héllo ✓"}' },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
    expect(items.size).toBe(2);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    await expect(store.load(key)).resolves.toEqual({ records: [{ seq: 1, record: { step: 1 } }, { seq: 2, record: { step: 'two', text: 'héllo ✓' } }], lastSeq: 2 });
    expect(dynamodb.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ ConsistentRead: true, KeyConditionExpression: '#pk = :pk AND #sk > :after', ExpressionAttributeValues: { ':pk': key, ':after': 0 } });
  });

  it('refuses a zombie writer whose sequence another writer already took, and removes its upload', async () => {
    // Prepare
    const { items, objects } = fakeTable();
    const store = newStore({ offloadThresholdBytes: 20 });
    await store.append(key, [record(1), record(2)]);
    // Act: a zombie container resumed from sequence 1 writes its own record 2
    const zombie = newStore({ offloadThresholdBytes: 20 }).append(key, [record(2, { step: 'written by the zombie, long enough to move' })]);
    // Assess
    await expect(zombie).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(zombie).rejects.toMatchObject({ key, attemptedSequence: 2 });
    expect(items.get(`${key}#2`)).toMatchObject({ record: '{"step":2}' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(objects.size).toBe(0);
  });

  it('commits a batch of several records all or nothing, in one transaction', async () => {
    // Prepare
    const { items } = fakeTable();
    const store = newStore();
    await store.append(key, [record(1)]);
    // Act
    await store.append(key, [record(2), record(3)]);
    const overlapping = store.append(key, [record(4), record(3)]);
    const again = store.append(key, [record(3), record(4)]);
    // Assess
    await expect(overlapping).rejects.toMatchObject({ field: 'records[1].seq' });
    await expect(again).rejects.toBeInstanceOf(CheckpointConflictError);
    expect([...items.keys()].sort()).toEqual([`${key}#1`, `${key}#2`, `${key}#3`]);
    expect(dynamodb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems).toHaveLength(2);
  });

  it('moves a record over the threshold to S3 with server-side encryption, so no item nears 400 KB', async () => {
    // Prepare
    const { items, objects } = fakeTable();
    const store = newStore({ prefix: 'runs/' });
    const big = { result: 'y'.repeat(400 * 1024) };
    // Act
    await store.append(key, [record(1, big)]);
    // Assess
    const [upload] = s3.commandCalls(PutObjectCommand);
    expect(upload.args[0].input).toMatchObject({ Bucket: 'payloads', ServerSideEncryption: 'AES256', ContentType: 'application/json' });
    expect(upload.args[0].input.Key).toMatch(/^runs\/arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3Aexecution%3Aresearch%3Arun-1\/1-[0-9a-f]{12}\.json$/);
    expect(items.get(`${key}#1`)).toEqual({ pk: key, sk: 1, s3Key: upload.args[0].input.Key });
    expect(JSON.stringify(items.get(`${key}#1`)).length).toBeLessThan(1_000);
    expect(objects.size).toBe(1);
    await expect(store.load(key)).resolves.toEqual({ records: [{ seq: 1, record: big }], lastSeq: 1 });
  });

  it('compacts into the snapshot item in one transaction, and a resume queries only the records after it', async () => {
    // Prepare
    const { items } = fakeTable();
    const store = newStore();
    await store.append(key, [record(1), record(2), record(3)]);
    // Act
    await store.compact(key, { seq: 3, json: '{"whole":3}' });
    await store.append(key, [record(4)]);
    const loaded = await store.load(key);
    // Assess
    const transaction = dynamodb.commandCalls(TransactWriteCommand)[1].args[0].input.TransactItems!;
    expect(transaction[0]).toMatchObject({ ConditionCheck: { Key: { pk: key, sk: 3 }, ConditionExpression: 'attribute_exists(#pk)' } });
    expect(transaction[1]).toMatchObject({ Put: { Item: { pk: key, sk: 0, snapshotSeq: 3, state: '{"whole":3}' }, ConditionExpression: 'attribute_not_exists(#pk) OR #snap < :seq' } });
    expect(loaded).toMatchObject({ snapshot: { sequence: 3, state: { whole: 3 } }, records: [{ seq: 4, record: { step: 4 } }], lastSeq: 4 });
    expect(dynamodb.commandCalls(QueryCommand).at(-1)!.args[0].input.ExpressionAttributeValues).toEqual({ ':pk': key, ':after': 3 });
    // Compaction deletes no record: a deleted sequence could be written again by a zombie.
    expect(items.has(`${key}#1`)).toBe(true);
    await expect(store.append(key, [record(2)])).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  it('refuses a snapshot of a sequence never written, and ignores one older than the stored snapshot', async () => {
    // Prepare
    fakeTable();
    const store = newStore();
    await store.append(key, [record(1), record(2)]);
    await store.compact(key, { seq: 2, json: '{"whole":2}' });
    // Act
    const ahead = store.compact(key, { seq: 5, json: '{"whole":5}' });
    const older = store.compact(key, { seq: 1, json: '{"whole":1}' });
    // Assess
    await expect(ahead).rejects.toMatchObject({ name: 'CheckpointConflictError', attemptedSequence: 5 });
    await expect(older).resolves.toBeUndefined();
    await expect(store.load(key)).resolves.toMatchObject({ snapshot: { sequence: 2, state: { whole: 2 } } });
  });

  it('keeps a large snapshot in S3 and deletes the one it replaces', async () => {
    // Prepare
    const { objects } = fakeTable();
    const store = newStore({ offloadThresholdBytes: 30 });
    await store.append(key, [record(1), record(2)]);
    await store.compact(key, { seq: 1, json: JSON.stringify({ text: 'the first snapshot, long enough to move' }) });
    const [first] = objects.keys();
    // Act
    await store.compact(key, { seq: 2, json: JSON.stringify({ text: 'the second snapshot, long enough to move' }) });
    // Assess
    expect(objects.has(first)).toBe(false);
    expect(objects.size).toBe(1);
    await expect(store.load(key)).resolves.toMatchObject({ snapshot: { sequence: 2, state: { text: 'the second snapshot, long enough to move' } }, records: [] });
  });

  it('reads the snapshot item again when a newer compaction replaced its S3 object between the two reads', async () => {
    // Prepare
    dynamodb
      .on(GetCommand)
      .resolvesOnce({ Item: { pk: key, sk: 0, snapshotSeq: 1, savedAt: '2025-01-01T00:00:00.000Z', s3Key: 'checkpoints/old.json' } })
      .resolves({ Item: { pk: key, sk: 0, snapshotSeq: 2, savedAt: '2025-01-01T00:00:00.000Z', s3Key: 'checkpoints/new.json' } });
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    s3.on(GetObjectCommand, { Key: 'checkpoints/old.json' }).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
    s3.on(GetObjectCommand, { Key: 'checkpoints/new.json' }).resolves({ Body: { transformToString: async () => '{"step":2}' } } as never);
    // Act
    const loaded = await newStore().load(key);
    // Assess
    expect(loaded).toEqual({ snapshot: { sequence: 2, state: { step: 2 }, savedAt: '2025-01-01T00:00:00.000Z' }, records: [], lastSeq: 2 });
  });

  it('reports a gap or a damaged record, naming the item', async () => {
    // Prepare
    dynamodb.on(GetCommand).resolves({});
    dynamodb.on(QueryCommand).resolvesOnce({ Items: [{ pk: key, sk: 1, record: '{"a":1}' }, { pk: key, sk: 3, record: '{"a":3}' }] }).resolves({ Items: [{ pk: key, sk: 1, record: '{"a":' }] });
    const store = newStore();
    // Act
    const gap = store.load(key);
    const damaged = store.load(key);
    // Assess
    await expect(gap).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(gap).rejects.toThrow(`dynamodb://RunState/${key}/3`);
    await expect(damaged).rejects.toThrow(`dynamodb://RunState/${key}/1`);
  });

  it('passes other DynamoDB errors through unchanged', async () => {
    // Prepare
    dynamodb.on(PutCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    // Act
    const appending = newStore().append(key, [record(1)]);
    // Assess
    await expect(appending).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('sets a TTL on records and snapshots and uses the KMS key when asked to', async () => {
    // Prepare
    const { items } = fakeTable();
    const store = newStore({ ttlSeconds: 3_600, kmsKeyId: 'alias/stepwise', offloadThresholdBytes: 1 });
    const before = Math.floor(Date.now() / 1000);
    // Act
    await store.append(key, [record(1)]);
    await store.compact(key, { seq: 1, json: '{"a":1}' });
    // Assess
    for (const sk of [0, 1]) {
      const ttl = items.get(`${key}#${sk}`)?.ttl as number;
      expect(ttl).toBeGreaterThanOrEqual(before + 3_600);
      expect(ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3_600);
    }
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/stepwise' });
  });

  it('returns nothing for a key without items', async () => {
    // Prepare
    fakeTable();
    // Act & Assess
    await expect(newStore().load(key)).resolves.toBeUndefined();
  });

  it('deletes every item of the key and their S3 objects, so the key starts over', async () => {
    // Prepare
    const { items, objects } = fakeTable();
    const store = newStore({ offloadThresholdBytes: 20 });
    await store.append(key, [record(1), record(2, { text: 'long enough to move to S3' })]);
    await store.compact(key, { seq: 2, json: '{"whole":"long enough to move to S3"}' });
    await store.append('arn:other', [record(1)]);
    // Act
    await store.delete(key);
    // Assess
    expect([...items.keys()]).toEqual(['arn:other#1']);
    expect(objects.size).toBe(0);
    await expect(store.load(key)).resolves.toBeUndefined();
    await expect(store.append(key, [record(1)])).resolves.toBeUndefined();
  });
});
