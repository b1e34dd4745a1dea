export { StoreDefaults, FileStoreFolder, DynamoAttribute, StoreKind } from './constants';
export { StoreError, CheckpointConflictError, StoreCorruptError, StoreLockTimeoutError, EventAppendConflictError, EventTooLargeError, PayloadNotFoundError } from './errors';
export { MemoryCheckpointStore, type AppendOptions, type Checkpoint, type CheckpointStore, type JournalRecord, type LoadedRecord, type StoredJournal } from './checkpoint-store';
export { FileCheckpointStore, type FileCheckpointStoreOptions } from './file-checkpoint-store';
export { DynamoDbCheckpointStore, type DynamoDbCheckpointStoreOptions } from './dynamodb-checkpoint-store';
export { MemoryEventLog, type EventLog, type LoggedEvent, type ReadEventsOptions } from './event-log';
export { FileEventLog, type FileEventLogOptions } from './file-event-log';
export { DynamoDbEventLog, type DynamoDbEventLogOptions } from './dynamodb-event-log';
export { followEvents, follow, type FollowOptions } from './follow';
export {
  EventStreamDefaults,
  EventStreamProtocol,
  cursorFrom,
  formatEndedMessage,
  formatErrorMessage,
  formatEventMessage,
  streamExecutionEvents,
  type EventStreamEnd,
  type StreamExecutionEventsOptions,
} from './event-stream';
export { MemoryApprovalStore, type ApprovalFilter, type ApprovalStore, type StoredApproval } from './approval-store';
export { FileApprovalStore, type FileApprovalStoreOptions } from './file-approval-store';
export { DynamoDbApprovalStore, type DynamoDbApprovalStoreOptions } from './dynamodb-approval-store';
export { MemoryPayloadStore, PAYLOAD_REF_PREFIX, assertPayloadKey, isPayloadRef, payloadKeyOf, payloadRef, type PayloadStore } from './payload-store';
export { FilePayloadStore, type FilePayloadStoreOptions } from './file-payload-store';
export { S3PayloadStore, type S3PayloadStoreOptions } from './s3-payload-store';
export type { DynamoDbClientInput } from './dynamodb-client';
export { acquireFileLock, withFileLock, type FileLockOptions, type HeldFileLock } from './file-lock';
export { writeFileAtomic } from './atomic-write';
export { encodeStoreKey } from './key-encoding';
export {
  createStores,
  type AwsStoreLocation,
  type FileStoreLocation,
  type MemoryStoreLocation,
  type StoreClients,
  type StoreLocation,
  type StoreSet,
} from './create-stores';
