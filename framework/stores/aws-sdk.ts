import type * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import type * as DynamoDbDocumentSdk from '@aws-sdk/lib-dynamodb';
import type * as S3Sdk from '@aws-sdk/client-s3';

// The AWS stores' SDK modules are required when an AWS store is made, not when the framework
// loads: a process on the file or memory stores (the local engine's containers, the CLI, tests)
// never loads the DynamoDB and S3 clients (about 110 ms and 600 KB of code on a busy machine).

/** `@aws-sdk/client-dynamodb`, loaded on first use. */
export function dynamoDbSdk(): typeof DynamoDbSdk {
  return require('@aws-sdk/client-dynamodb') as typeof DynamoDbSdk;
}

/** `@aws-sdk/lib-dynamodb` (the document client and its commands), loaded on first use. */
export function dynamoDbDocumentSdk(): typeof DynamoDbDocumentSdk {
  return require('@aws-sdk/lib-dynamodb') as typeof DynamoDbDocumentSdk;
}

/** `@aws-sdk/client-s3`, loaded on first use. */
export function s3Sdk(): typeof S3Sdk {
  return require('@aws-sdk/client-s3') as typeof S3Sdk;
}
