import type { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbEventLog } from '../../framework/stores';
import { EVENT_PREFIX, EventStreamLimits, EventsFunctionEnv } from '../constants';
import { requiredVariable } from './environment';
import { createExecutionEventsEndpoint, type FunctionUrlRequest, type ResponseHead } from './serve-execution-events';

/** The Node.js Lambda runtime's response-streaming API: a global that exists only inside Lambda. */
declare const awslambda: {
  streamifyResponse(handler: (event: FunctionUrlRequest, responseStream: Writable, context: { getRemainingTimeInMillis(): number }) => Promise<void>): unknown;
  HttpResponseStream: { from(responseStream: Writable, head: ResponseHead): Writable };
};

const serve = createExecutionEventsEndpoint({
  events: new DynamoDbEventLog({
    dynamodb: new DynamoDBClient({}),
    tableName: requiredVariable(process.env, EventsFunctionEnv.EventsTable),
    // Events too large for a DynamoDB item are in S3: the stream sends them whole.
    offload: { s3: new S3Client({}), bucket: requiredVariable(process.env, EventsFunctionEnv.PayloadBucket), prefix: EVENT_PREFIX },
  }),
  sfn: new SFNClient({}),
  stateMachineArns: JSON.parse(requiredVariable(process.env, EventsFunctionEnv.StateMachineArns)) as string[],
});

/** AWS Lambda entry point of the events function URL (invoke mode RESPONSE_STREAM); configured once, from its environment. */
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  await serve(event, (head) => awslambda.HttpResponseStream.from(responseStream, head), {
    stopAt: Date.now() + context.getRemainingTimeInMillis() - EventStreamLimits.stopBeforeTimeoutMs,
  });
});
