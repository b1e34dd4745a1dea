import type { QueryCommand, ScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assertStoredApproval, compareApprovals, parseStoredApproval, type ApprovalFilter, type ApprovalStore, type StoredApproval } from './approval-store';
import { DynamoAttribute } from './constants';
import { toDocumentClient, type DynamoDbClientInput } from './dynamodb-client';
import { StoreCorruptError } from './errors';
import { tryParseJson } from './json';
import { assertStoreKey } from './key-encoding';
import { dynamoDbDocumentSdk } from './aws-sdk';

/** Options of `DynamoDbApprovalStore`. */
export interface DynamoDbApprovalStoreOptions {
  /** The DynamoDB client (region, endpoint, credentials are the caller's). */
  readonly dynamodb: DynamoDbClientInput;
  /** The approvals table: string partition key `pk` (approval id), TTL attribute `ttl`. */
  readonly tableName: string;
  /** A global secondary index with partition key `executionArn`, used by `list({ executionArn })`. @default none: such lists scan the table with a filter */
  readonly executionArnIndexName?: string;
}

/**
 * Pending approvals in DynamoDB, one item per approval id; items expire (DynamoDB TTL) at the
 * approval's `expiresAt`.
 *
 * @example
 * const approvals = new DynamoDbApprovalStore({ dynamodb: new DynamoDBClient({}), tableName: 'Approvals', executionArnIndexName: 'byExecution' });
 * const waiting = await approvals.list({ executionArn });
 */
export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly dynamoDbSdk = dynamoDbDocumentSdk();
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly indexName: string | undefined;

  constructor(options: DynamoDbApprovalStoreOptions) {
    this.client = toDocumentClient(options.dynamodb);
    this.tableName = options.tableName;
    this.indexName = options.executionArnIndexName;
  }

  async put(approval: StoredApproval): Promise<void> {
    assertStoredApproval(approval);
    const stored = parseStoredApproval(approval) as StoredApproval;
    await this.client.send(
      new this.dynamoDbSdk.PutCommand({
        TableName: this.tableName,
        Item: {
          ...stored,
          [DynamoAttribute.PartitionKey]: stored.approvalId,
          // A JSON string keeps the arguments exactly and has no nesting-depth limit.
          ...(stored.args !== undefined ? { args: JSON.stringify(stored.args) } : {}),
          [DynamoAttribute.Ttl]: Math.ceil(Date.parse(stored.expiresAt) / 1000),
        },
      }),
    );
  }

  async get(approvalId: string): Promise<StoredApproval | undefined> {
    assertStoreKey(approvalId, 'approvalId');
    const { Item } = await this.client.send(
      new this.dynamoDbSdk.GetCommand({ TableName: this.tableName, Key: { [DynamoAttribute.PartitionKey]: approvalId }, ConsistentRead: true }),
    );
    return Item ? this.fromItem(Item) : undefined;
  }

  async list(filter: ApprovalFilter = {}): Promise<StoredApproval[]> {
    const executionArn = filter.executionArn;
    if (executionArn !== undefined) assertStoreKey(executionArn, 'filter.executionArn');
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(this.listCommand(executionArn, startKey));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.map((item) => this.fromItem(item)).sort(compareApprovals);
  }

  async delete(approvalId: string): Promise<void> {
    assertStoreKey(approvalId, 'approvalId');
    await this.client.send(new this.dynamoDbSdk.DeleteCommand({ TableName: this.tableName, Key: { [DynamoAttribute.PartitionKey]: approvalId } }));
  }

  private listCommand(executionArn: string | undefined, startKey: Record<string, unknown> | undefined): QueryCommand | ScanCommand {
    const page = startKey ? { ExclusiveStartKey: startKey } : {};
    if (executionArn === undefined) return new this.dynamoDbSdk.ScanCommand({ TableName: this.tableName, ...page });
    const byExecution = {
      ExpressionAttributeNames: { '#arn': DynamoAttribute.ExecutionArn },
      ExpressionAttributeValues: { ':arn': executionArn },
      ...page,
    };
    if (this.indexName) {
      return new this.dynamoDbSdk.QueryCommand({ TableName: this.tableName, IndexName: this.indexName, KeyConditionExpression: '#arn = :arn', ...byExecution });
    }
    return new this.dynamoDbSdk.ScanCommand({ TableName: this.tableName, FilterExpression: '#arn = :arn', ...byExecution });
  }

  private fromItem(item: Record<string, unknown>): StoredApproval {
    const approval = parseStoredApproval({ ...item, args: typeof item.args === 'string' ? tryParseJson(item.args) : undefined });
    if (!approval) throw new StoreCorruptError(`dynamodb://${this.tableName}/${String(item[DynamoAttribute.PartitionKey])}`, 'not an approval written by Stepwise');
    return approval;
  }
}
