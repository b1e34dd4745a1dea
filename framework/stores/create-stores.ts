import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { ConfigDefinitionError } from '../errors';
import { dynamoDbSdk, s3Sdk } from './aws-sdk';
import { MemoryApprovalStore, type ApprovalStore } from './approval-store';
import { MemoryCheckpointStore, type CheckpointStore } from './checkpoint-store';
import { FileStoreFolder, StoreKind } from './constants';
import type { DynamoDbClientInput } from './dynamodb-client';
import { DynamoDbApprovalStore } from './dynamodb-approval-store';
import { DynamoDbCheckpointStore } from './dynamodb-checkpoint-store';
import { DynamoDbEventLog } from './dynamodb-event-log';
import { MemoryEventLog, type EventLog } from './event-log';
import { FileApprovalStore } from './file-approval-store';
import { FileCheckpointStore } from './file-checkpoint-store';
import { FileEventLog } from './file-event-log';
import type { FileLockOptions } from './file-lock';
import { FilePayloadStore } from './file-payload-store';
import { MemoryPayloadStore, type PayloadStore } from './payload-store';
import { S3PayloadStore } from './s3-payload-store';

/** Stores in memory (tests). */
export interface MemoryStoreLocation {
  readonly kind: typeof StoreKind.Memory;
}

/** Stores as files under `root` (usually `<project>/.stepwise/`), in `checkpoints/`, `events/`, `approvals/` and `payloads/`. */
export interface FileStoreLocation {
  readonly kind: typeof StoreKind.File;
  readonly root: string;
  /** How the cross-process locks behave. @default StoreDefaults lock settings */
  readonly lock?: FileLockOptions;
}

/** Stores in DynamoDB tables, with large checkpoints in S3. */
export interface AwsStoreLocation {
  readonly kind: typeof StoreKind.Aws;
  /** Partition key `pk` (string). */
  readonly runStateTable: string;
  /** Partition key `pk` (string), sort key `sk` (number). */
  readonly eventsTable: string;
  /** Partition key `pk` (string), TTL attribute `ttl`. */
  readonly approvalsTable: string;
  /** GSI of the approvals table on `executionArn`. @default none (listing by execution scans) */
  readonly approvalsByExecutionIndex?: string;
  readonly bucket: string;
  /** Key prefix of large checkpoints in the bucket. @default 'checkpoints' */
  readonly prefix?: string;
  /** Key prefix of payloads (values behind references) in the bucket. @default 'payloads' */
  readonly payloadPrefix?: string;
  /** Key prefix of events too large for a DynamoDB item. @default 'events' */
  readonly eventPrefix?: string;
  /** @default StoreDefaults.s3OffloadThresholdBytes (300 KB) */
  readonly offloadThresholdBytes?: number;
  /** TTL of checkpoint items. @default no TTL */
  readonly checkpointTtlSeconds?: number;
  /** TTL of event items. @default no TTL */
  readonly eventTtlSeconds?: number;
  /** KMS key for the S3 objects. @default SSE-S3 */
  readonly kmsKeyId?: string;
}

/** Where the durable stores keep their data. */
export type StoreLocation = MemoryStoreLocation | FileStoreLocation | AwsStoreLocation;

/** AWS clients for the `aws` location; the caller decides region, endpoints and credentials. */
export interface StoreClients {
  /** @default a `DynamoDBClient` from the standard AWS configuration */
  readonly dynamodb?: DynamoDbClientInput;
  /** @default an `S3Client` from the standard AWS configuration */
  readonly s3?: S3Client;
}

/** The durable stores of an execution. */
export interface StoreSet {
  readonly checkpoints: CheckpointStore;
  readonly events: EventLog;
  readonly approvals: ApprovalStore;
  /** Values of unbounded size behind short references. */
  readonly payloads: PayloadStore;
}

/**
 * Creates the checkpoint store, event log, approval store and payload store for one location.
 *
 * @example
 * const { checkpoints, events, approvals } = createStores({ kind: 'file', root: path.join(projectDir, '.stepwise') });
 */
export function createStores(location: StoreLocation, clients: StoreClients = {}): StoreSet {
  switch (location?.kind) {
    case StoreKind.Memory:
      return { checkpoints: new MemoryCheckpointStore(), events: new MemoryEventLog(), approvals: new MemoryApprovalStore(), payloads: new MemoryPayloadStore() };
    case StoreKind.File: {
      requireText(location.root, 'root');
      const root = path.resolve(location.root);
      return {
        checkpoints: new FileCheckpointStore({ directory: path.join(root, FileStoreFolder.Checkpoints), lock: location.lock }),
        events: new FileEventLog({ directory: path.join(root, FileStoreFolder.Events), lock: location.lock }),
        approvals: new FileApprovalStore({ directory: path.join(root, FileStoreFolder.Approvals) }),
        payloads: new FilePayloadStore({ directory: path.join(root, FileStoreFolder.Payloads) }),
      };
    }
    case StoreKind.Aws: {
      for (const field of ['runStateTable', 'eventsTable', 'approvalsTable', 'bucket'] as const) requireText(location[field], field);
      const dynamodb = clients.dynamodb ?? new (dynamoDbSdk().DynamoDBClient)({});
      const s3 = clients.s3 ?? new (s3Sdk().S3Client)({});
      return {
        checkpoints: new DynamoDbCheckpointStore({
          dynamodb,
          s3,
          tableName: location.runStateTable,
          bucket: location.bucket,
          prefix: location.prefix,
          offloadThresholdBytes: location.offloadThresholdBytes,
          ttlSeconds: location.checkpointTtlSeconds,
          kmsKeyId: location.kmsKeyId,
        }),
        events: new DynamoDbEventLog({
          dynamodb,
          tableName: location.eventsTable,
          ttlSeconds: location.eventTtlSeconds,
          offload: { s3, bucket: location.bucket, prefix: location.eventPrefix, kmsKeyId: location.kmsKeyId },
        }),
        approvals: new DynamoDbApprovalStore({ dynamodb, tableName: location.approvalsTable, executionArnIndexName: location.approvalsByExecutionIndex }),
        payloads: new S3PayloadStore({ s3, bucket: location.bucket, prefix: location.payloadPrefix, kmsKeyId: location.kmsKeyId }),
      };
    }
    default:
      throw new ConfigDefinitionError(
        `Unknown store location kind ${JSON.stringify((location as { kind?: unknown } | undefined)?.kind)}: use "memory", "file" or "aws".`,
        { field: 'location.kind' },
      );
  }
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigDefinitionError(`Store location needs "${field}" (a non-empty string).`, { field: `location.${field}` });
  }
}
