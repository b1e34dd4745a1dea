import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../errors';
import { utf8Bytes } from '../limits';
import { assertRecord, assertRecords, parseRecord, parseSnapshot, type AppendOptions, type CheckpointStore, type JournalRecord, type LoadedRecord, type StoredJournal } from './checkpoint-store';
import { DynamoAttribute, StoreDefaults } from './constants';
import { isConditionalCheckFailed, toDocumentClient, ttlFromNow, type DynamoDbClientInput } from './dynamodb-client';
import { CheckpointConflictError, StoreCorruptError } from './errors';
import { tryParseJson } from './json';
import { assertStoreKey } from './key-encoding';
import { dynamoDbDocumentSdk, s3Sdk } from './aws-sdk';

/** Options of `DynamoDbCheckpointStore`. */
export interface DynamoDbCheckpointStoreOptions {
  /** The DynamoDB client (region, endpoint, credentials are the caller's). */
  readonly dynamodb: DynamoDbClientInput;
  /** The S3 client for records and snapshots too large for an item. */
  readonly s3: S3Client;
  /** The run-state table: string partition key `pk`, number sort key `sk`. */
  readonly tableName: string;
  /** The bucket large records and snapshots are written to. */
  readonly bucket: string;
  /** Key prefix of large records and snapshots in the bucket. @default 'checkpoints' */
  readonly prefix?: string;
  /** Records and snapshots whose JSON is larger than this many bytes go to S3. @default StoreDefaults.s3OffloadThresholdBytes (300 KB) */
  readonly offloadThresholdBytes?: number;
  /** When set, items carry a `ttl` attribute this many seconds after they are written. @default no TTL */
  readonly ttlSeconds?: number;
  /** A KMS key for the S3 objects (SSE-KMS); without it objects use SSE-S3. @default SSE-S3 (AES256) */
  readonly kmsKeyId?: string;
}

/** The sort key of the item that holds a key's last snapshot; records start at 1. */
const SNAPSHOT_SK = 0;
/** A load that finds the snapshot's S3 object replaced by a newer compaction reads the item again, this many times. */
const LOAD_ATTEMPTS = 3;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_MAX = 25;
/** TransactWriteItems takes at most 100 actions. */
const TRANSACT_MAX = 100;

interface RecordItem {
  readonly pk: string;
  readonly sk: number;
  /** The record's JSON text: unlike a map it has no nesting-depth limit and keeps JSON exactly. */
  readonly record?: string;
  /** Where the record is when it was too large for the item. */
  readonly s3Key?: string;
  readonly ttl?: number;
}

interface SnapshotItem {
  readonly pk: string;
  readonly sk: typeof SNAPSHOT_SK;
  readonly snapshotSeq: number;
  readonly savedAt: string;
  readonly state?: string;
  readonly s3Key?: string;
  readonly ttl?: number;
}

/**
 * Run journals in DynamoDB: one small item per record, keyed by run and sequence, and one item with
 * the last snapshot (`sk` 0). An append is a conditional put (`attribute_not_exists`) of the
 * record's own key, so a zombie container, whose next sequence another writer already took, is
 * refused and cannot interleave; a batch of several records is one transaction. Records are never
 * deleted by compaction — a deleted sequence could be written again by a zombie — but expire with
 * the table's TTL when `ttlSeconds` is set. A load reads the snapshot item, then queries only the
 * records after it. Records and snapshots larger than `offloadThresholdBytes` are written to S3
 * first and the item holds the object's key, so no item approaches DynamoDB's 400 KB.
 *
 * A put cannot also check that the sequence before it exists without doubling the cost of every
 * write, so a caller that skips numbers is not refused here; a load reports the gap.
 *
 * @example
 * const store = new DynamoDbCheckpointStore({ dynamodb: new DynamoDBClient({}), s3: new S3Client({}), tableName: 'RunState', bucket: 'payloads' });
 * const result = await runAgent(agent, { resume: executionArn }, { checkpointStore: store });
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  private readonly dynamoDbSdk = dynamoDbDocumentSdk();
  private readonly s3Sdk = s3Sdk();
  private readonly client: DynamoDBDocumentClient;
  private readonly s3: S3Client;
  private readonly tableName: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly offloadThresholdBytes: number;
  private readonly ttlSeconds: number | undefined;
  private readonly kmsKeyId: string | undefined;

  constructor(options: DynamoDbCheckpointStoreOptions) {
    this.client = toDocumentClient(options.dynamodb);
    this.s3 = options.s3;
    this.tableName = options.tableName;
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? 'checkpoints').replace(/\/+$/, '');
    this.offloadThresholdBytes = options.offloadThresholdBytes ?? StoreDefaults.s3OffloadThresholdBytes;
    this.ttlSeconds = options.ttlSeconds;
    this.kmsKeyId = options.kmsKeyId;
  }

  async load(key: string): Promise<StoredJournal | undefined> {
    assertStoreKey(key, 'key');
    for (let attempt = 1; ; attempt += 1) {
      const { Item } = await this.client.send(new this.dynamoDbSdk.GetCommand({ TableName: this.tableName, Key: { [DynamoAttribute.PartitionKey]: key, [DynamoAttribute.SortKey]: SNAPSHOT_SK }, ConsistentRead: true }));
      const item = Item as SnapshotItem | undefined;
      let snapshot;
      if (item) {
        const location = item.s3Key === undefined ? `dynamodb://${this.tableName}/${key}/${SNAPSHOT_SK}` : `s3://${this.bucket}/${item.s3Key}`;
        const text = item.s3Key === undefined ? item.state : await this.readObject(item.s3Key);
        // A newer compaction replaced the object between our two reads: read the item again.
        if (text === undefined && item.s3Key !== undefined && attempt < LOAD_ATTEMPTS) continue;
        if (text === undefined) throw new StoreCorruptError(location, 'the snapshot is missing');
        snapshot = parseSnapshot({ sequence: item.snapshotSeq, savedAt: item.savedAt, state: tryParseJson(text) });
        if (!snapshot) throw new StoreCorruptError(location, 'not a run state snapshot written by Stepwise');
      }
      const records = await this.readRecords(key, snapshot?.sequence ?? 0);
      if (!snapshot && records.length === 0) return undefined;
      return { ...(snapshot ? { snapshot } : {}), records, lastSeq: records.length > 0 ? records[records.length - 1].seq : snapshot!.sequence };
    }
  }

  /** Every append is durable at once here: `options.deferSync` changes nothing. */
  async append(key: string, records: readonly JournalRecord[], _options?: AppendOptions): Promise<void> {
    assertRecords(key, records);
    if (records.length > TRANSACT_MAX) throw new InvalidInputError(`records holds ${records.length} records; DynamoDB writes at most ${TRANSACT_MAX} in one transaction, so append them in smaller batches`, { field: 'records' });
    const items: RecordItem[] = [];
    const uploaded: string[] = [];
    try {
      for (const record of records) {
        const s3Key = utf8Bytes(record.json) > this.offloadThresholdBytes ? this.objectKeyFor(key, record.seq) : undefined;
        if (s3Key) {
          await this.writeObject(s3Key, record.json);
          uploaded.push(s3Key);
        }
        items.push({ pk: key, sk: record.seq, ...(s3Key ? { s3Key } : { record: record.json }), ...this.ttl() });
      }
      const condition = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey } };
      if (items.length === 1) {
        await this.client.send(new this.dynamoDbSdk.PutCommand({ TableName: this.tableName, Item: items[0], ...condition }));
      } else {
        await this.client.send(new this.dynamoDbSdk.TransactWriteCommand({ TransactItems: items.map((item) => ({ Put: { TableName: this.tableName, Item: item, ...condition } })) }));
      }
    } catch (error) {
      for (const s3Key of uploaded) await this.deleteObjectQuietly(s3Key);
      if (isConditionalCheckFailed(error) || isCancelledByCondition(error)) throw new CheckpointConflictError(key, records[0].seq, undefined, { cause: error });
      throw error;
    }
  }

  async compact(key: string, snapshot: JournalRecord): Promise<void> {
    assertStoreKey(key, 'key');
    assertRecord(snapshot, 'snapshot');
    const { Item: previous } = await this.client.send(new this.dynamoDbSdk.GetCommand({ TableName: this.tableName, Key: { [DynamoAttribute.PartitionKey]: key, [DynamoAttribute.SortKey]: SNAPSHOT_SK }, ConsistentRead: true }));
    if (previous && (previous as SnapshotItem).snapshotSeq >= snapshot.seq) return;
    const s3Key = utf8Bytes(snapshot.json) > this.offloadThresholdBytes ? this.objectKeyFor(key, snapshot.seq) : undefined;
    if (s3Key) await this.writeObject(s3Key, snapshot.json);
    const item: SnapshotItem = { pk: key, sk: SNAPSHOT_SK, snapshotSeq: snapshot.seq, savedAt: new Date().toISOString(), ...(s3Key ? { s3Key } : { state: snapshot.json }), ...this.ttl() };
    try {
      // One transaction: the record the snapshot stands for exists (the journal reached it), and no newer snapshot is stored.
      await this.client.send(
        new this.dynamoDbSdk.TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { [DynamoAttribute.PartitionKey]: key, [DynamoAttribute.SortKey]: snapshot.seq },
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: item,
                ConditionExpression: 'attribute_not_exists(#pk) OR #snap < :seq',
                ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey, '#snap': 'snapshotSeq' },
                ExpressionAttributeValues: { ':seq': snapshot.seq },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (s3Key) await this.deleteObjectQuietly(s3Key);
      const reasons = cancellationCodes(error);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new CheckpointConflictError(key, snapshot.seq, undefined, { cause: error, reason: 'compact' });
      if (reasons?.[1] === 'ConditionalCheckFailed') return; // a newer snapshot got there first
      throw error;
    }
    const old = (previous as SnapshotItem | undefined)?.s3Key;
    if (old && old !== s3Key) await this.deleteObjectQuietly(old);
  }

  async release(key: string): Promise<void> {
    assertStoreKey(key, 'key');
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key, 'key');
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new this.dynamoDbSdk.QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey },
          ExpressionAttributeValues: { ':pk': key },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      const items = (page.Items ?? []) as (RecordItem | SnapshotItem)[];
      for (let start = 0; start < items.length; start += BATCH_WRITE_MAX) {
        const batch = items.slice(start, start + BATCH_WRITE_MAX);
        let requests = batch.map((item) => ({ DeleteRequest: { Key: { [DynamoAttribute.PartitionKey]: key, [DynamoAttribute.SortKey]: item.sk } } }));
        while (requests.length > 0) {
          const { UnprocessedItems } = await this.client.send(new this.dynamoDbSdk.BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
          requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        }
        for (const item of batch) if (item.s3Key) await this.deleteObjectQuietly(item.s3Key);
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
  }

  /** The records after `afterSeq`, in order and without gaps (a gap is damage, reported). */
  private async readRecords(key: string, afterSeq: number): Promise<LoadedRecord[]> {
    const records: LoadedRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new this.dynamoDbSdk.QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk > :after',
          ExpressionAttributeNames: { '#pk': DynamoAttribute.PartitionKey, '#sk': DynamoAttribute.SortKey },
          ExpressionAttributeValues: { ':pk': key, ':after': afterSeq },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of (page.Items ?? []) as RecordItem[]) {
        const location = item.s3Key === undefined ? `dynamodb://${this.tableName}/${key}/${item.sk}` : `s3://${this.bucket}/${item.s3Key}`;
        const text = item.s3Key === undefined ? item.record : await this.readObject(item.s3Key);
        const record = typeof text === 'string' ? parseRecord(text) : undefined;
        if (!record) throw new StoreCorruptError(location, text === undefined ? 'the record is missing' : 'not a journal record written by Stepwise');
        const expected = records.length > 0 ? records[records.length - 1].seq + 1 : afterSeq > 0 ? afterSeq + 1 : item.sk;
        if (item.sk !== expected) throw new StoreCorruptError(location, `record ${item.sk} follows record ${expected - 1}`);
        records.push({ seq: item.sk, record });
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return records;
  }

  private ttl(): { ttl?: number } {
    return this.ttlSeconds === undefined ? {} : { [DynamoAttribute.Ttl]: ttlFromNow(this.ttlSeconds) };
  }

  /** Unique per write: a refused writer with the same sequence must not overwrite the committed object. */
  private objectKeyFor(key: string, sequence: number): string {
    const name = `${encodeURIComponent(key)}/${sequence}-${randomBytes(6).toString('hex')}.json`;
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  private async writeObject(s3Key: string, body: string): Promise<void> {
    await this.s3.send(
      new this.s3Sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: s3Key,
        Body: body,
        ContentType: 'application/json',
        ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId } : { ServerSideEncryption: 'AES256' }),
      }),
    );
  }

  /** The object's text, or undefined when it no longer exists. */
  private async readObject(s3Key: string): Promise<string | undefined> {
    try {
      const { Body } = await this.s3.send(new this.s3Sdk.GetObjectCommand({ Bucket: this.bucket, Key: s3Key }));
      return Body ? await Body.transformToString('utf-8') : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** The write already committed (or already failed): an object we cannot delete is only garbage for the bucket's lifecycle rule, not a failure. */
  private async deleteObjectQuietly(s3Key: string): Promise<void> {
    try {
      await this.s3.send(new this.s3Sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key }));
    } catch {
      // Left for the lifecycle rule.
    }
  }
}

/** The per-action codes of a cancelled transaction (`ConditionalCheckFailed`, `None`, …). */
function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if ((error as { name?: string } | undefined)?.name !== 'TransactionCanceledException') return undefined;
  return ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((reason) => reason.Code);
}

function isCancelledByCondition(error: unknown): boolean {
  return cancellationCodes(error)?.includes('ConditionalCheckFailed') ?? false;
}
