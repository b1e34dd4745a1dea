import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { CheckpointConflictError, DynamoDbCheckpointStore, type DynamoDbCheckpointStoreOptions } from '../../../framework/stores';

const dynamodb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const key = 'arn:aws:states:us-east-1:123456789012:execution:research:run-1';
const savedAt = '2025-01-01T00:00:00.000Z';

function newStore(options: Partial<DynamoDbCheckpointStoreOptions> = {}): DynamoDbCheckpointStore {
  return new DynamoDbCheckpointStore({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), tableName: 'RunState', bucket: 'payloads', ...options });
}

/** DynamoDB and S3 that remember what was written, so a save can be loaded back. */
function rememberWrites(): { items: Map<string, Record<string, unknown>>; objects: Map<string, string> } {
  const items = new Map<string, Record<string, unknown>>();
  const objects = new Map<string, string>();
  dynamodb.on(PutCommand).callsFake(async (input: { Item: Record<string, unknown> }) => {
    const previous = items.get(input.Item.pk as string);
    items.set(input.Item.pk as string, input.Item);
    return { Attributes: previous };
  });
  dynamodb.on(GetCommand).callsFake(async (input: { Key: { pk: string } }) => ({ Item: items.get(input.Key.pk) }));
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
  it('writes a small state into the item with a conditional write on the sequence', async () => {
    // Prepare
    const { items } = rememberWrites();
    const store = newStore();
    // Act
    await store.save(key, { sequence: 3, state: { step: 3 }, savedAt });
    // Assess
    const [put] = dynamodb.commandCalls(PutCommand);
    expect(put.args[0].input).toMatchObject({
      TableName: 'RunState',
      ConditionExpression: 'attribute_not_exists(pk) OR #seq < :seq',
      ExpressionAttributeNames: { '#seq': 'sequence' },
      ExpressionAttributeValues: { ':seq': 3 },
      Item: { pk: key, sequence: 3, savedAt, state: '{"step":3}' },
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    await expect(store.load(key)).resolves.toEqual({ sequence: 3, state: { step: 3 }, savedAt });
    expect(dynamodb.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ ConsistentRead: true });
    expect(items.get(key)).not.toHaveProperty('ttl');
  });

  it('moves a state over 300 KB to S3 with server-side encryption and loads it back through the reference', async () => {
    // Prepare
    const { items, objects } = rememberWrites();
    const store = newStore({ prefix: 'runs/' });
    const state = { transcript: 'y'.repeat(400 * 1024) };
    // Act
    await store.save(key, { sequence: 7, state, savedAt });
    const loaded = await store.load(key);
    // Assess
    const [upload] = s3.commandCalls(PutObjectCommand);
    expect(upload.args[0].input).toMatchObject({ Bucket: 'payloads', ServerSideEncryption: 'AES256', ContentType: 'application/json' });
    expect(upload.args[0].input.Key).toMatch(/^runs\/arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3Aexecution%3Aresearch%3Arun-1\/7-[0-9a-f]{12}\.json$/);
    expect(items.get(key)).toEqual({ pk: key, sequence: 7, savedAt, s3Key: upload.args[0].input.Key });
    expect(objects.size).toBe(1);
    expect(loaded).toEqual({ sequence: 7, state, savedAt });
  });

  it('deletes the S3 copy of a state once a newer save replaces it', async () => {
    // Prepare
    const { objects } = rememberWrites();
    const store = newStore({ offloadThresholdBytes: 10 });
    await store.save(key, { sequence: 1, state: { text: 'long enough to move' }, savedAt });
    const [firstKey] = objects.keys();
    // Act
    await store.save(key, { sequence: 2, state: { text: 'also long enough to move' }, savedAt });
    // Assess
    expect(objects.has(firstKey)).toBe(false);
    expect(objects.size).toBe(1);
    await expect(store.load(key)).resolves.toMatchObject({ sequence: 2, state: { text: 'also long enough to move' } });
  });

  it('turns a failed condition into CheckpointConflictError and removes the rejected upload', async () => {
    // Prepare
    const { objects } = rememberWrites();
    dynamodb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: { sequence: { N: '9' } } }));
    const store = newStore({ offloadThresholdBytes: 10 });
    // Act
    const saving = store.save(key, { sequence: 9, state: { text: 'from a zombie container' }, savedAt });
    // Assess
    await expect(saving).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(saving).rejects.toMatchObject({ key, attemptedSequence: 9, storedSequence: 9 });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(objects.size).toBe(0);
  });

  it('passes other DynamoDB errors through unchanged', async () => {
    // Prepare
    dynamodb.on(PutCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    // Act
    const saving = newStore().save(key, { sequence: 1, state: {}, savedAt });
    // Assess
    await expect(saving).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('sets a TTL and uses the KMS key when asked to', async () => {
    // Prepare
    const { items } = rememberWrites();
    const store = newStore({ ttlSeconds: 3_600, kmsKeyId: 'alias/stepwise', offloadThresholdBytes: 1 });
    const before = Math.floor(Date.now() / 1000);
    // Act
    await store.save(key, { sequence: 1, state: { a: 1 }, savedAt });
    // Assess
    const ttl = items.get(key)?.ttl as number;
    expect(ttl).toBeGreaterThanOrEqual(before + 3_600);
    expect(ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3_600);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/stepwise' });
  });

  it('reads the item again when a newer save replaced the S3 object between the two reads', async () => {
    // Prepare
    dynamodb
      .on(GetCommand)
      .resolvesOnce({ Item: { pk: key, sequence: 1, savedAt, s3Key: 'checkpoints/old.json' } })
      .resolves({ Item: { pk: key, sequence: 2, savedAt, s3Key: 'checkpoints/new.json' } });
    s3.on(GetObjectCommand, { Key: 'checkpoints/old.json' }).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
    s3.on(GetObjectCommand, { Key: 'checkpoints/new.json' }).resolves({ Body: { transformToString: async () => '{"step":2}' } } as never);
    // Act
    const loaded = await newStore().load(key);
    // Assess
    expect(loaded).toEqual({ sequence: 2, state: { step: 2 }, savedAt });
  });

  it('returns nothing for a key without an item', async () => {
    // Prepare
    dynamodb.on(GetCommand).resolves({});
    // Act & Assess
    await expect(newStore().load(key)).resolves.toBeUndefined();
  });

  it('deletes the item and its S3 object', async () => {
    // Prepare
    dynamodb.on(DeleteCommand).resolves({ Attributes: { pk: key, sequence: 4, savedAt, s3Key: 'checkpoints/x/4-abc.json' } });
    s3.on(DeleteObjectCommand).resolves({});
    // Act
    await newStore().delete(key);
    // Assess
    expect(dynamodb.commandCalls(DeleteCommand)[0].args[0].input).toMatchObject({ TableName: 'RunState', Key: { pk: key }, ReturnValues: 'ALL_OLD' });
    expect(s3.commandCalls(DeleteObjectCommand)[0].args[0].input).toEqual({ Bucket: 'payloads', Key: 'checkpoints/x/4-abc.json' });
  });
});
