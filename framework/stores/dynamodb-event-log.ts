import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import type { StepwiseEvent } from '../events';
import { utf8Bytes } from '../limits';
import { DynamoAttribute, StoreDefaults } from './constants';
import { isConditionalCheckFailed, toDocumentClient, ttlFromNow, type DynamoDbClientInput } from './dynamodb-client';
import { EventAppendConflictError, EventTooLargeError, StoreCorruptError } from './errors';
import { assertAppend, resolveReadOptions, type EventLog, type LoggedEvent, type ReadEventsOptions } from './event-log';
import { isJsonObject, tryParseJson } from './json';
import { dynamoDbDocumentSdk, s3Sdk } from './aws-sdk';

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
  /**
   * Where events too large for a DynamoDB item (a 1 MB argument, a long answer) are written; the
   * item then holds the object's key. Without it such an event is refused with a clear error.
   * @default none
   */
  readonly offload?: {
    readonly s3: S3Client;
    readonly bucket: string;
    /** @default 'events' */
    readonly prefix?: string;
    /** Events whose JSON is larger go to S3. @default StoreDefaults.s3OffloadThresholdBytes (300 KB) */
    readonly thresholdBytes?: number;
    /** A KMS key for the objects (SSE-KMS). @default SSE-S3 */
    readonly kmsKeyId?: string;
  };
}

/**
 * The event log in DynamoDB: one item per event, keyed by execution and seq. An append reads the
 * last seq and writes each event with a conditional put, so two writers never share a seq; the
 * loser reads the last seq again and carries on. An event too large for an item (400 KB) is
 * written to S3 first and the item holds its key, so a reader gets every event whole.
 *
 * @example
 * const log = new DynamoDbEventLog({ dynamodb: new DynamoDBClient({}), tableName: 'Events' });
 * const missed = await log.read(executionArn, { after: cursor });
 */
export class DynamoDbEventLog implements EventLog {
  private readonly dynamoDbSdk = dynamoDbDocumentSdk();
  private readonly s3Sdk = s3Sdk();
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly ttlSeconds: number | undefined;
  private readonly maxConflicts: number;
  private readonly offload: DynamoDbEventLogOptions['offload'];

  constructor(options: DynamoDbEventLogOptions) {
    this.client = toDocumentClient(options.dynamodb);
    this.tableName = options.tableName;
    this.ttlSeconds = options.ttlSeconds;
    this.maxConflicts = options.maxConflicts ?? StoreDefaults.appendMaxConflicts;
    this.offload = options.offload;
  }

  async append(executionId: string, events: readonly StepwiseEvent[]): Promise<number> {
    assertAppend(executionId, events);
    // Large events go to S3 before any seq is taken: a lost race re-uses the same object.
    const bodies = await Promise.all(events.map((event) => this.bodyOf(executionId, event)));
    let last = await this.lastSeq(executionId);
    let conflicts = 0;
    let index = 0;
    while (index < events.length) {
      const seq = last + 1;
      try {
        await this.client.send(
          new this.dynamoDbSdk.PutCommand({
            TableName: this.tableName,
            Item: {
              [DynamoAttribute.PartitionKey]: executionId,
              [DynamoAttribute.SortKey]: seq,
              ...bodies[index],
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
        new this.dynamoDbSdk.QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk > :after',
          ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey, '#sk': DynamoAttribute.SortKey },
          ExpressionAttributeValues: { ':pk': executionId, ':after': after },
          ConsistentRead: true,
          ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) events.push(await this.toLoggedEvent(executionId, item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events.slice(0, Number.isFinite(limit) ? limit : undefined);
  }

  private async lastSeq(executionId: string): Promise<number> {
    const { Items } = await this.client.send(
      new this.dynamoDbSdk.QueryCommand({
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

  /** The attributes that hold an event: the JSON itself (a string keeps it exactly, without a nesting limit), or where it is in S3. */
  private async bodyOf(executionId: string, event: StepwiseEvent): Promise<{ event: string } | { s3Key: string }> {
    const json = JSON.stringify(event);
    const offload = this.offload;
    const threshold = offload?.thresholdBytes ?? StoreDefaults.s3OffloadThresholdBytes;
    if (utf8Bytes(json) <= threshold) return { event: json };
    if (!offload) {
      throw new EventTooLargeError(executionId, event.type, utf8Bytes(json));
    }
    const s3Key = `${(offload.prefix ?? 'events').replace(/\/+$/, '')}/${encodeURIComponent(executionId)}/${randomBytes(8).toString('hex')}.json`;
    await offload.s3.send(
      new this.s3Sdk.PutObjectCommand({
        Bucket: offload.bucket,
        Key: s3Key,
        Body: json,
        ContentType: 'application/json',
        ...(offload.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: offload.kmsKeyId } : { ServerSideEncryption: 'AES256' }),
      }),
    );
    return { s3Key };
  }

  private async toLoggedEvent(executionId: string, item: Record<string, unknown>): Promise<LoggedEvent> {
    const seq = item[DynamoAttribute.SortKey];
    const location = `dynamodb://${this.tableName}/${executionId}/${String(seq)}`;
    let text = typeof item.event === 'string' ? item.event : undefined;
    if (text === undefined && typeof item.s3Key === 'string') {
      if (!this.offload) throw new StoreCorruptError(location, `the event is in S3 (${item.s3Key}) but this log was given no bucket to read it from`);
      const { Body } = await this.offload.s3.send(new this.s3Sdk.GetObjectCommand({ Bucket: this.offload.bucket, Key: item.s3Key }));
      text = Body ? await Body.transformToString('utf-8') : undefined;
    }
    const event = text === undefined ? undefined : tryParseJson(text);
    if (typeof seq !== 'number' || !isJsonObject(event)) {
      throw new StoreCorruptError(location, 'not a logged event');
    }
    return { seq, event: event as unknown as StepwiseEvent };
  }
}
