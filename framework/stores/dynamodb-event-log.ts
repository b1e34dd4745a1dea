import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StepwiseEvent } from '../events';
import { DynamoAttribute, StoreDefaults } from './constants';
import { isConditionalCheckFailed, toDocumentClient, ttlFromNow, type DynamoDbClientInput } from './dynamodb-client';
import { EventAppendConflictError, StoreCorruptError } from './errors';
import { assertAppend, resolveReadOptions, type EventLog, type LoggedEvent, type ReadEventsOptions } from './event-log';
import { isJsonObject, tryParseJson } from './json';

/** Options of `DynamoDbEventLog`. */
export interface DynamoDbEventLogOptions {
  /** The DynamoDB client (region, endpoint, credentials are the caller's). */
  readonly dynamodb: DynamoDbClientInput;
  /** The events table: string partition key `pk` (execution id), number sort key `sk` (seq). */
  readonly tableName: string;
  /** When set, items carry a `ttl` attribute this many seconds after they are appended. @default no TTL */
  readonly ttlSeconds?: number;
  /** How many lost races with other writers an append tolerates. @default StoreDefaults.appendMaxConflicts (20) */
  readonly maxConflicts?: number;
}

/**
 * The event log in DynamoDB: one item per event, keyed by execution and seq. An append reads the
 * last seq and writes each event with a conditional put, so two writers never share a seq; the
 * loser reads the last seq again and carries on.
 *
 * @example
 * const log = new DynamoDbEventLog({ dynamodb: new DynamoDBClient({}), tableName: 'Events' });
 * const missed = await log.read(executionArn, { after: cursor });
 */
export class DynamoDbEventLog implements EventLog {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly ttlSeconds: number | undefined;
  private readonly maxConflicts: number;

  constructor(options: DynamoDbEventLogOptions) {
    this.client = toDocumentClient(options.dynamodb);
    this.tableName = options.tableName;
    this.ttlSeconds = options.ttlSeconds;
    this.maxConflicts = options.maxConflicts ?? StoreDefaults.appendMaxConflicts;
  }

  async append(executionId: string, events: readonly StepwiseEvent[]): Promise<number> {
    assertAppend(executionId, events);
    let last = await this.lastSeq(executionId);
    let conflicts = 0;
    let index = 0;
    while (index < events.length) {
      const seq = last + 1;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              [DynamoAttribute.PartitionKey]: executionId,
              [DynamoAttribute.SortKey]: seq,
              // A JSON string keeps the event exactly and has no nesting-depth limit.
              event: JSON.stringify(events[index]),
              ...(this.ttlSeconds === undefined ? {} : { [DynamoAttribute.Ttl]: ttlFromNow(this.ttlSeconds) }),
            },
            ConditionExpression: 'attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#sk': DynamoAttribute.SortKey },
          }),
        );
        last = seq;
        index += 1;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        conflicts += 1;
        if (conflicts > this.maxConflicts) throw new EventAppendConflictError(executionId, conflicts, { cause: error });
        last = await this.lastSeq(executionId);
      }
    }
    return last;
  }

  async read(executionId: string, options?: ReadEventsOptions): Promise<LoggedEvent[]> {
    const { after, limit } = resolveReadOptions(executionId, options);
    const events: LoggedEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = limit - events.length;
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk > :after',
          ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey, '#sk': DynamoAttribute.SortKey },
          ExpressionAttributeValues: { ':pk': executionId, ':after': after },
          ConsistentRead: true,
          ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) events.push(this.toLoggedEvent(executionId, item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events.slice(0, Number.isFinite(limit) ? limit : undefined);
  }

  private async lastSeq(executionId: string): Promise<number> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey, '#sk': DynamoAttribute.SortKey },
        ExpressionAttributeValues: { ':pk': executionId },
        ProjectionExpression: '#sk',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const seq: unknown = Items?.[0]?.[DynamoAttribute.SortKey];
    return typeof seq === 'number' ? seq : 0;
  }

  private toLoggedEvent(executionId: string, item: Record<string, unknown>): LoggedEvent {
    const seq = item[DynamoAttribute.SortKey];
    const event = typeof item.event === 'string' ? tryParseJson(item.event) : undefined;
    if (typeof seq !== 'number' || !isJsonObject(event)) {
      throw new StoreCorruptError(`dynamodb://${this.tableName}/${executionId}/${String(seq)}`, 'not a logged event');
    }
    return { seq, event: event as unknown as StepwiseEvent };
  }
}
