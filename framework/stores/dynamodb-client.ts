import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbDocumentSdk } from './aws-sdk';

/** A DynamoDB client as callers hand it in: the plain client (we wrap it) or a document client. */
export type DynamoDbClientInput = DynamoDBClient | DynamoDBDocumentClient;

/** The document client the stores talk through; the caller's client decides region, endpoint and credentials. */
export function toDocumentClient(client: DynamoDbClientInput): DynamoDBDocumentClient {
  const { DynamoDBDocumentClient } = dynamoDbDocumentSdk();
  if (client instanceof DynamoDBDocumentClient) return client;
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Whether an error is DynamoDB refusing a write because its condition did not hold. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Epoch seconds `ttlSeconds` from now, for a DynamoDB TTL attribute. */
export function ttlFromNow(ttlSeconds: number): number {
  return Math.floor(Date.now() / 1000) + ttlSeconds;
}
