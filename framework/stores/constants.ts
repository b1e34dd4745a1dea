/** Defaults of the durable stores, resolved once when a store is constructed. */
export const StoreDefaults = {
  /** States whose JSON is larger than this many bytes go to S3; DynamoDB items are limited to 400 KB. */
  s3OffloadThresholdBytes: 300 * 1024,
  /** A lock file older than this is considered abandoned even if its process id looks alive (the id may have been reused). */
  lockStaleMs: 30_000,
  /** How long to wait for a lock before giving up. Longer than `lockStaleMs`, so an abandoned lock is always broken in time. */
  lockTimeoutMs: 60_000,
  /** Pause between two attempts to take a busy lock. */
  lockRetryMs: 10,
  /** How often `followEvents` asks the log for new events. */
  followPollMs: 500,
  /**
   * How long the file store lets a written but unsynced journal batch (`append(…, { deferSync: true })`)
   * wait for the next append to share its sync. Past it the batch is synced on its own.
   */
  deferredSyncMs: 5,
  /** How many times an append to the DynamoDB event log re-reads the last sequence after losing a race. */
  appendMaxConflicts: 20,
} as const;

/** Sub-folders of a file-store root (usually `<project>/.stepwise/`). */
export const FileStoreFolder = {
  Checkpoints: 'checkpoints',
  Events: 'events',
  Approvals: 'approvals',
  Payloads: 'payloads',
} as const;
export type FileStoreFolder = (typeof FileStoreFolder)[keyof typeof FileStoreFolder];

/**
 * Attribute names of the DynamoDB tables, shared with the infrastructure that creates them.
 * Every table has a string partition key `pk`; the events table also a number sort key `sk`;
 * the approvals index is keyed on `executionArn`; `ttl` holds epoch seconds for DynamoDB TTL.
 */
export const DynamoAttribute = {
  PartitionKey: 'pk',
  SortKey: 'sk',
  Ttl: 'ttl',
  ExecutionArn: 'executionArn',
} as const;
export type DynamoAttribute = (typeof DynamoAttribute)[keyof typeof DynamoAttribute];

/** Where the stores keep their data. */
export const StoreKind = {
  Memory: 'memory',
  File: 'file',
  Aws: 'aws',
} as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];
