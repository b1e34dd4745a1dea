import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbEventLog, EventAppendConflictError, EventTooLargeError, StoreCorruptError } from '../../../framework/stores';
import type { StepwiseEvent } from '../../../framework';
import { sampleEvent } from '../../helpers/store-contract';

const dynamodb = mockClient(DynamoDBDocumentClient);
const lastSeqQuery = { ScanIndexForward: false, Limit: 1 } as const;
const conflict = (): ConditionalCheckFailedException => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function newLog(options: { maxConflicts?: number; ttlSeconds?: number } = {}): DynamoDbEventLog {
  return new DynamoDbEventLog({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'Events', ...options });
}

const putSeqs = (): number[] => dynamodb.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.sk as number);

const s3 = mockClient(S3Client);

beforeEach(() => {
  dynamodb.reset();
  s3.reset();
});

describe('DynamoDbEventLog with events larger than an item', () => {
  const big: StepwiseEvent = { type: 'approval.requested', runId: 'arn:run', agent: 'a', at: new Date(0).toISOString(), iteration: 1, approvalId: 'apv-1', callId: 'c1', tool: 'publish', args: { body: 'x'.repeat(1_000_000) }, reasoning: 'r' };

  it('writes a large event to S3 first and keeps its key in the item; reading gives the whole event back', async () => {
    const objects = new Map<string, string>();
    const items: Record<string, unknown>[] = [];
    s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => void objects.set(input.Key, input.Body));
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => ({ Body: { transformToString: async () => objects.get(input.Key) } }));
    dynamodb.on(QueryCommand, lastSeqQuery).resolves({ Items: [] });
    dynamodb.on(PutCommand).callsFake(async (input: { Item: Record<string, unknown> }) => void items.push(input.Item));
    dynamodb.on(QueryCommand, { KeyConditionExpression: '#pk = :pk AND #sk > :after' }).callsFake(async () => ({ Items: items }));
    const log = new DynamoDbEventLog({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'Events', offload: { s3: new S3Client({ region: 'us-east-1' }), bucket: 'payloads' } });

    await log.append('arn:run', [sampleEvent(1), big]);

    expect(items[0]).toMatchObject({ sk: 1, event: JSON.stringify(sampleEvent(1)) });
    expect(items[1]).toEqual({ pk: 'arn:run', sk: 2, s3Key: expect.stringMatching(/^events\/arn%3Arun\/[0-9a-f]{16}\.json$/) });
    expect(JSON.stringify(items[1]).length).toBeLessThan(200);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'payloads', ServerSideEncryption: 'AES256' });
    await expect(log.read('arn:run')).resolves.toEqual([{ seq: 1, event: sampleEvent(1) }, { seq: 2, event: big }]);
  });

  it('refuses a large event, naming the fix, when it has no bucket', async () => {
    dynamodb.on(QueryCommand, lastSeqQuery).resolves({ Items: [] });

    await expect(newLog().append('arn:run', [big])).rejects.toBeInstanceOf(EventTooLargeError);
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('DynamoDbEventLog', () => {
  it('appends after the last seq with one conditional put per event', async () => {
    // Prepare
    dynamodb.on(QueryCommand, lastSeqQuery).resolves({ Items: [{ sk: 4 }] });
    dynamodb.on(PutCommand).resolves({});
    // Act
    const last = await newLog().append('arn:run', [sampleEvent(5), sampleEvent(6)]);
    // Assess
    expect(last).toBe(6);
    expect(dynamodb.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ TableName: 'Events', ConsistentRead: true, ...lastSeqQuery, ExpressionAttributeValues: { ':pk': 'arn:run' } });
    const puts = dynamodb.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({ TableName: 'Events', ConditionExpression: 'attribute_not_exists(#sk)', ExpressionAttributeNames: { '#sk': 'sk' } });
    expect(puts.map((put) => put.Item)).toEqual([
      { pk: 'arn:run', sk: 5, event: JSON.stringify(sampleEvent(5)) },
      { pk: 'arn:run', sk: 6, event: JSON.stringify(sampleEvent(6)) },
    ]);
  });

  it('starts a new execution at seq 1 and stamps a TTL when asked to', async () => {
    // Prepare
    dynamodb.on(QueryCommand, lastSeqQuery).resolves({ Items: [] });
    dynamodb.on(PutCommand).resolves({});
    // Act
    const last = await newLog({ ttlSeconds: 60 }).append('arn:new', [sampleEvent(1)]);
    // Assess
    expect(last).toBe(1);
    expect(dynamodb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ sk: 1, ttl: expect.any(Number) });
  });

  it('re-reads the last seq after losing a race and carries on after the other writer', async () => {
    // Prepare
    dynamodb.on(QueryCommand, lastSeqQuery).resolvesOnce({ Items: [{ sk: 4 }] }).resolves({ Items: [{ sk: 6 }] });
    dynamodb.on(PutCommand).rejectsOnce(conflict()).resolves({});
    // Act
    const last = await newLog().append('arn:run', [sampleEvent(1), sampleEvent(2)]);
    // Assess
    expect(last).toBe(8);
    expect(putSeqs()).toEqual([5, 7, 8]);
    const written = dynamodb.commandCalls(PutCommand).slice(1).map((call) => call.args[0].input.Item?.event);
    expect(written).toEqual([JSON.stringify(sampleEvent(1)), JSON.stringify(sampleEvent(2))]);
  });

  it('gives up with EventAppendConflictError when it keeps losing', async () => {
    // Prepare
    dynamodb.on(QueryCommand, lastSeqQuery).resolves({ Items: [{ sk: 1 }] });
    dynamodb.on(PutCommand).rejects(conflict());
    // Act
    const appending = newLog({ maxConflicts: 2 }).append('arn:run', [sampleEvent(1)]);
    // Assess
    await expect(appending).rejects.toBeInstanceOf(EventAppendConflictError);
    expect(putSeqs()).toEqual([2, 2, 2]);
  });

  it('reads after a cursor across pages until the limit', async () => {
    // Prepare
    const item = (seq: number) => ({ pk: 'arn:run', sk: seq, event: JSON.stringify(sampleEvent(seq)) });
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(3), item(4)], LastEvaluatedKey: { pk: 'arn:run', sk: 4 } })
      .resolvesOnce({ Items: [item(5)], LastEvaluatedKey: { pk: 'arn:run', sk: 5 } });
    // Act
    const events = await newLog().read('arn:run', { after: 2, limit: 3 });
    // Assess
    expect(events).toEqual([3, 4, 5].map((seq) => ({ seq, event: sampleEvent(seq) })));
    const queries = dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({ KeyConditionExpression: '#pk = :pk AND #sk > :after', ExpressionAttributeValues: { ':pk': 'arn:run', ':after': 2 }, ConsistentRead: true, Limit: 3 });
    expect(queries[0].ExclusiveStartKey).toBeUndefined();
    expect(queries[1]).toMatchObject({ ExclusiveStartKey: { pk: 'arn:run', sk: 4 }, Limit: 1 });
  });

  it('reads every page when there is no limit', async () => {
    // Prepare
    const item = (seq: number) => ({ pk: 'arn:run', sk: seq, event: JSON.stringify(sampleEvent(seq)) });
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1)], LastEvaluatedKey: { pk: 'arn:run', sk: 1 } })
      .resolvesOnce({ Items: [item(2)] });
    // Act
    const events = await newLog().read('arn:run');
    // Assess
    expect(events.map((logged) => logged.seq)).toEqual([1, 2]);
    expect(dynamodb.commandCalls(QueryCommand)[0].args[0].input).not.toHaveProperty('Limit');
  });

  it('reports an item that is not a logged event', async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({ Items: [{ pk: 'arn:run', sk: 1, event: '{broken' }] });
    // Act & Assess
    await expect(newLog().read('arn:run')).rejects.toBeInstanceOf(StoreCorruptError);
  });
});
