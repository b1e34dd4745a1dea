import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { assertCheckpoint, parseCheckpoint, type Checkpoint, type CheckpointStore } from './checkpoint-store';
import { DynamoAttribute, StoreDefaults } from './constants';
import { isConditionalCheckFailed, toDocumentClient, ttlFromNow, type DynamoDbClientInput } from './dynamodb-client';
import { CheckpointConflictError, StoreCorruptError } from './errors';
import { tryParseJson } from './json';
import { assertStoreKey } from './key-encoding';

/** Options of `DynamoDbCheckpointStore`. */
export interface DynamoDbCheckpointStoreOptions {
  /** The DynamoDB client (region, endpoint, credentials are the caller's). */
  readonly dynamodb: DynamoDbClientInput;
  /** The S3 client for states too large for an item. */
  readonly s3: S3Client;
  /** The run-state table: string partition key `pk`. */
  readonly tableName: string;
  /** The bucket large states are written to. */
  readonly bucket: string;
  /** Key prefix of large states in the bucket. @default 'checkpoints' */
  readonly prefix?: string;
  /** States whose JSON is larger than this many bytes go to S3. @default StoreDefaults.s3OffloadThresholdBytes (300 KB) */
  readonly offloadThresholdBytes?: number;
  /** When set, items carry a `ttl` attribute this many seconds after each save. @default no TTL */
  readonly ttlSeconds?: number;
  /** A KMS key for the S3 objects (SSE-KMS); without it objects use SSE-S3. @default SSE-S3 (AES256) */
  readonly kmsKeyId?: string;
}

interface CheckpointItem {
  readonly pk: string;
  readonly sequence: number;
  readonly savedAt: string;
  /** The state as a JSON string: unlike a map, it has no nesting-depth limit and keeps JSON exactly. */
  readonly state?: string;
  /** Where the state is when it was too large for the item. */
  readonly s3Key?: string;
  readonly ttl?: number;
}

/** A load that finds its S3 object replaced by a newer save reads the item again, this many times. */
const LOAD_ATTEMPTS = 3;

/**
 * Checkpoints in DynamoDB (one item per key) with large states in S3. A save is a conditional
 * write on `sequence`, so a zombie container cannot overwrite newer progress.
 *
 * @example
 * const store = new DynamoDbCheckpointStore({ dynamodb: new DynamoDBClient({}), s3: new S3Client({}), tableName: 'RunState', bucket: 'payloads' });
 * const checkpoint = await store.load(executionArn);
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
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

  async load(key: string): Promise<Checkpoint | undefined> {
    assertStoreKey(key, 'key');
    for (let attempt = 1; ; attempt += 1) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { [DynamoAttribute.PartitionKey]: key }, ConsistentRead: true }));
      if (!Item) return undefined;
      const item = Item as CheckpointItem;
      let stateJson = item.state;
      if (typeof item.s3Key === 'string') {
        stateJson = await this.readObject(item.s3Key);
        // A newer save replaced the object between our two reads: read the item again.
        if (stateJson === undefined && attempt < LOAD_ATTEMPTS) continue;
      }
      const location = item.s3Key === undefined ? `dynamodb://${this.tableName}/${key}` : `s3://${this.bucket}/${item.s3Key}`;
      if (stateJson === undefined) throw new StoreCorruptError(location, 'the state is missing');
      const checkpoint = parseCheckpoint({ sequence: item.sequence, savedAt: item.savedAt, state: tryParseJson(stateJson) });
      if (!checkpoint) throw new StoreCorruptError(location, 'not a checkpoint written by Stepwise');
      return checkpoint;
    }
  }

  async save(key: string, checkpoint: Checkpoint): Promise<void> {
    assertCheckpoint(key, checkpoint);
    const stateJson = JSON.stringify(checkpoint.state);
    const s3Key = Buffer.byteLength(stateJson, 'utf8') > this.offloadThresholdBytes ? this.objectKeyFor(key, checkpoint.sequence) : undefined;
    if (s3Key) await this.writeObject(s3Key, stateJson);
    const item: CheckpointItem = {
      pk: key,
      sequence: checkpoint.sequence,
      savedAt: checkpoint.savedAt,
      ...(s3Key ? { s3Key } : { state: stateJson }),
      ...(this.ttlSeconds === undefined ? {} : { ttl: ttlFromNow(this.ttlSeconds) }),
    };
    let previous: CheckpointItem | undefined;
    try {
      const result = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #seq < :seq',
          ExpressionAttributeNames: { '#seq': 'sequence' },
          ExpressionAttributeValues: { ':seq': checkpoint.sequence },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      previous = result.Attributes as CheckpointItem | undefined;
    } catch (error) {
      if (s3Key) await this.deleteObjectQuietly(s3Key);
      if (!isConditionalCheckFailed(error)) throw error;
      throw new CheckpointConflictError(key, checkpoint.sequence, storedSequenceOf(error), { cause: error });
    }
    if (previous?.s3Key && previous.s3Key !== s3Key) await this.deleteObjectQuietly(previous.s3Key);
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key, 'key');
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { [DynamoAttribute.PartitionKey]: key }, ReturnValues: 'ALL_OLD' }),
    );
    const s3Key = (Attributes as CheckpointItem | undefined)?.s3Key;
    if (s3Key) await this.deleteObjectQuietly(s3Key);
  }

  /** Unique per save: a rejected writer with the same sequence must not overwrite the committed object. */
  private objectKeyFor(key: string, sequence: number): string {
    const name = `${encodeURIComponent(key)}/${sequence}-${randomBytes(6).toString('hex')}.json`;
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  private async writeObject(s3Key: string, body: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
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
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: s3Key }));
      return Body ? await Body.transformToString('utf-8') : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** The save already committed (or already failed): an object we cannot delete is only garbage for a bucket lifecycle rule, not a failure. */
  private async deleteObjectQuietly(s3Key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key }));
    } catch {
      // Left for the lifecycle rule.
    }
  }
}

/** DynamoDB returns the stored item (marshalled) with the failed condition when asked to. */
function storedSequenceOf(error: unknown): number | undefined {
  const stored = (error as { Item?: { sequence?: { N?: string } } }).Item?.sequence?.N;
  return stored === undefined ? undefined : Number(stored);
}
