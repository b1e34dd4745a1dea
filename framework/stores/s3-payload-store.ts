import type { S3Client } from '@aws-sdk/client-s3';
import { PayloadNotFoundError, StoreCorruptError } from './errors';
import { payloadKeyOf, payloadRef, serializePayload, type PayloadStore } from './payload-store';
import { s3Sdk } from './aws-sdk';

/** Options of `S3PayloadStore`. */
export interface S3PayloadStoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix of payload objects. @default 'payloads' */
  readonly prefix?: string;
  /** A KMS key for the objects (SSE-KMS). @default SSE-S3 (AES256) */
  readonly kmsKeyId?: string;
}

/**
 * Payloads as S3 objects under one prefix of the payload bucket: values of any size behind short
 * references, for the container, the workflow's decision step, the approval API and the CLI.
 *
 * @example
 * const payloads = new S3PayloadStore({ s3: new S3Client({}), bucket: 'stepwise-payloads' });
 * const args = await payloads.get(approval.argsRef);
 */
export class S3PayloadStore implements PayloadStore {
  private readonly s3Sdk = s3Sdk();
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly kmsKeyId: string | undefined;

  constructor(options: S3PayloadStoreOptions) {
    this.s3 = options.s3;
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? 'payloads').replace(/\/+$/, '');
    this.kmsKeyId = options.kmsKeyId;
  }

  async put(key: string, value: unknown): Promise<string> {
    const ref = payloadRef(key);
    await this.s3.send(
      new this.s3Sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: serializePayload(value),
        ContentType: 'application/json',
        ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId } : { ServerSideEncryption: 'AES256' }),
      }),
    );
    return ref;
  }

  async get(ref: string): Promise<unknown> {
    const key = this.objectKey(payloadKeyOf(ref));
    let text: string | undefined;
    try {
      const { Body } = await this.s3.send(new this.s3Sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = Body ? await Body.transformToString('utf-8') : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') throw new PayloadNotFoundError(ref, { cause: error });
      throw error;
    }
    if (text === undefined) throw new PayloadNotFoundError(ref);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new StoreCorruptError(`s3://${this.bucket}/${key}`, 'not a JSON payload', { cause: error });
    }
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
}
