import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbEventLog, EventAppendConflictError, StoreCorruptError } from '../../../framework/stores';
import { sampleEvent } from '../../helpers/store-contract';

const dynamodb = mockClient(DynamoDBDocumentClient);
const lastSeqQuery = { ScanIndexForward: false, Limit: 1 } as const;
const conflict = (): ConditionalCheckFailedException => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function newLog(options: { maxConflicts?: number; ttlSeconds?: number } = {}): DynamoDbEventLog {
  return new DynamoDbEventLog({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'Events', ...options });
}

const putSeqs = (): number[] => dynamodb.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.sk as number);

beforeEach(() => {
  dynamodb.reset();
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
