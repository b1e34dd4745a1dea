import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbApprovalStore, StoreCorruptError } from '../../../framework/stores';
import { sampleApproval } from '../../helpers/store-contract';

const dynamodb = mockClient(DynamoDBDocumentClient);

function newStore(executionArnIndexName?: string): DynamoDbApprovalStore {
  return new DynamoDbApprovalStore({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'Approvals', executionArnIndexName });
}

const itemOf = (approvalId: string, executionArn?: string, minute?: number): Record<string, unknown> => {
  const approval = sampleApproval(approvalId, executionArn, minute);
  return { ...approval, pk: approvalId, args: JSON.stringify(approval.args), ttl: 1 };
};

beforeEach(() => {
  dynamodb.reset();
});

describe('DynamoDbApprovalStore', () => {
  it('stores an approval under its id, expiring with it, and reads it back', async () => {
    // Prepare
    const approval = sampleApproval('ap-1');
    dynamodb.on(PutCommand).resolves({});
    dynamodb.on(GetCommand).resolves({ Item: itemOf('ap-1') });
    const store = newStore();
    // Act
    await store.put(approval);
    const loaded = await store.get('ap-1');
    // Assess
    const item = dynamodb.commandCalls(PutCommand)[0].args[0].input.Item;
    expect(item).toMatchObject({ pk: 'ap-1', executionArn: approval.executionArn, taskToken: 'token-ap-1', args: JSON.stringify(approval.args) });
    expect(item?.ttl).toBe(Date.parse(approval.expiresAt) / 1000);
    expect(dynamodb.commandCalls(GetCommand)[0].args[0].input).toEqual({ TableName: 'Approvals', Key: { pk: 'ap-1' }, ConsistentRead: true });
    expect(loaded).toEqual(approval);
  });

  it('lists the approvals of one execution through the index, page by page', async () => {
    // Prepare
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemOf('ap-2', 'arn:exec', 9)], LastEvaluatedKey: { pk: 'ap-2' } })
      .resolvesOnce({ Items: [itemOf('ap-1', 'arn:exec', 1)] });
    // Act
    const listed = await newStore('byExecution').list({ executionArn: 'arn:exec' });
    // Assess
    expect(listed.map((approval) => approval.approvalId)).toEqual(['ap-1', 'ap-2']);
    const queries = dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries[0]).toMatchObject({ TableName: 'Approvals', IndexName: 'byExecution', KeyConditionExpression: '#arn = :arn', ExpressionAttributeNames: { '#arn': 'executionArn' }, ExpressionAttributeValues: { ':arn': 'arn:exec' } });
    expect(queries[1]).toMatchObject({ ExclusiveStartKey: { pk: 'ap-2' } });
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('scans with a filter for one execution when no index is configured', async () => {
    // Prepare
    dynamodb.on(ScanCommand).resolves({ Items: [itemOf('ap-1', 'arn:exec')] });
    // Act
    const listed = await newStore().list({ executionArn: 'arn:exec' });
    // Assess
    expect(listed).toHaveLength(1);
    expect(dynamodb.commandCalls(ScanCommand)[0].args[0].input).toMatchObject({ FilterExpression: '#arn = :arn', ExpressionAttributeValues: { ':arn': 'arn:exec' } });
  });

  it('lists every approval by scanning all pages', async () => {
    // Prepare
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [itemOf('ap-b', 'arn:b', 2)], LastEvaluatedKey: { pk: 'ap-b' } })
      .resolvesOnce({ Items: [itemOf('ap-a', 'arn:a', 1)] });
    // Act
    const listed = await newStore('byExecution').list();
    // Assess
    expect(listed.map((approval) => approval.approvalId)).toEqual(['ap-a', 'ap-b']);
    const scans = dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scans[0]).toEqual({ TableName: 'Approvals' });
    expect(scans[1]).toEqual({ TableName: 'Approvals', ExclusiveStartKey: { pk: 'ap-b' } });
  });

  it('deletes by id', async () => {
    // Prepare
    dynamodb.on(DeleteCommand).resolves({});
    // Act
    await newStore().delete('ap-1');
    // Assess
    expect(dynamodb.commandCalls(DeleteCommand)[0].args[0].input).toEqual({ TableName: 'Approvals', Key: { pk: 'ap-1' } });
  });

  it('reports an item that is not an approval', async () => {
    // Prepare
    dynamodb.on(GetCommand).resolves({ Item: { pk: 'ap-1', args: '{}' } });
    // Act & Assess
    await expect(newStore().get('ap-1')).rejects.toBeInstanceOf(StoreCorruptError);
  });
});
