import { ConfigDefinitionError } from '../framework/errors';
import { ContainerEnv } from './constants';

/** Run state, events and approvals in files under one directory (the local engine). */
export interface FileStoreLocation {
  readonly kind: 'file';
  /** Directory that holds the store's files. */
  readonly directory: string;
}

/** Run state, events and approvals in DynamoDB tables, large payloads in an S3 bucket (AWS). */
export interface DynamoDbStoreLocation {
  readonly kind: 'dynamodb';
  readonly runStateTable: string;
  readonly eventsTable: string;
  readonly approvalsTable: string;
  readonly bucket: string;
}

/** Where the container keeps its durable state: the value of `STEPWISE_STORE`, parsed. */
export type StoreLocation = FileStoreLocation | DynamoDbStoreLocation;

const FILE_PREFIX = 'file:';
const DYNAMODB_PREFIX = 'dynamodb:';
const S3_PREFIX = 's3:';
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EXPECTED = `"file:<directory>" or "dynamodb:<runStateTable>,<eventsTable>,<approvalsTable>,s3:<bucket>"`;

function invalid(value: string, problem: string): ConfigDefinitionError {
  return new ConfigDefinitionError(`${ContainerEnv.Store}=${JSON.stringify(value)} ${problem}. Expected ${EXPECTED}.`, {
    field: ContainerEnv.Store,
  });
}

/**
 * Parses the value of `STEPWISE_STORE`.
 *
 * @throws ConfigDefinitionError naming `STEPWISE_STORE` when the value is malformed.
 * @example
 * parseStoreLocation('dynamodb:runs,events,approvals,s3:my-bucket');
 * // { kind: 'dynamodb', runStateTable: 'runs', eventsTable: 'events', approvalsTable: 'approvals', bucket: 'my-bucket' }
 */
export function parseStoreLocation(value: string): StoreLocation {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(String(value ?? ''), 'is empty');
  if (value.startsWith(FILE_PREFIX)) {
    const directory = value.slice(FILE_PREFIX.length);
    if (directory.trim() === '') throw invalid(value, 'names no directory');
    return { kind: 'file', directory };
  }
  if (value.startsWith(DYNAMODB_PREFIX)) {
    const parts = value.slice(DYNAMODB_PREFIX.length).split(',');
    if (parts.length !== 4) throw invalid(value, `has ${parts.length} comma-separated parts instead of 4`);
    const [runStateTable, eventsTable, approvalsTable, bucketPart] = parts;
    const tables = { runStateTable, eventsTable, approvalsTable };
    for (const [name, table] of Object.entries(tables)) {
      if (!TABLE_NAME.test(table)) throw invalid(value, `has an invalid DynamoDB table name for ${name}: ${JSON.stringify(table)}`);
    }
    if (!bucketPart.startsWith(S3_PREFIX)) throw invalid(value, 'does not end with "s3:<bucket>"');
    const bucket = bucketPart.slice(S3_PREFIX.length);
    if (!BUCKET_NAME.test(bucket)) throw invalid(value, `has an invalid S3 bucket name: ${JSON.stringify(bucket)}`);
    return { kind: 'dynamodb', runStateTable, eventsTable, approvalsTable, bucket };
  }
  throw invalid(value, 'has an unknown kind');
}

/**
 * Formats a store location as the value of `STEPWISE_STORE`. Names may be CDK tokens: they are
 * only checked for being non-empty and free of commas, the separator.
 *
 * @throws ConfigDefinitionError naming the offending field.
 * @example
 * formatStoreLocation({ kind: 'file', directory: '/var/stepwise' }); // 'file:/var/stepwise'
 */
export function formatStoreLocation(location: StoreLocation): string {
  if (location.kind === 'file') {
    if (typeof location.directory !== 'string' || location.directory.trim() === '') {
      throw new ConfigDefinitionError('A file store location needs a non-empty directory', { field: 'directory' });
    }
    return `${FILE_PREFIX}${location.directory}`;
  }
  if (location.kind === 'dynamodb') {
    const names = [
      ['runStateTable', location.runStateTable],
      ['eventsTable', location.eventsTable],
      ['approvalsTable', location.approvalsTable],
      ['bucket', location.bucket],
    ] as const;
    for (const [field, name] of names) {
      if (typeof name !== 'string' || name.trim() === '' || name.includes(',')) {
        throw new ConfigDefinitionError(`A DynamoDB store location needs a non-empty ${field} without commas, got ${JSON.stringify(name)}`, { field });
      }
    }
    return `${DYNAMODB_PREFIX}${location.runStateTable},${location.eventsTable},${location.approvalsTable},${S3_PREFIX}${location.bucket}`;
  }
  throw new ConfigDefinitionError(`Unknown store location kind ${JSON.stringify((location as { kind?: unknown }).kind)}: use "file" or "dynamodb"`, {
    field: 'kind',
  });
}
