import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbApprovalStore, S3PayloadStore } from '../../framework/internal';
import { ApprovalFunctionEnv, PAYLOAD_PREFIX } from '../constants';
import { createApprovalApi } from './decide-approval';
import { optionalVariable, requiredVariable } from './environment';

/** AWS Lambda entry point of the approval HTTP API; configured once, from its environment. */
export const handler = createApprovalApi({
  approvals: new DynamoDbApprovalStore({
    dynamodb: new DynamoDBClient({}),
    tableName: requiredVariable(process.env, ApprovalFunctionEnv.ApprovalsTable),
    executionArnIndexName: optionalVariable(process.env, ApprovalFunctionEnv.ApprovalsIndex),
  }),
  sfn: new SFNClient({}),
  payloads: new S3PayloadStore({ s3: new S3Client({}), bucket: requiredVariable(process.env, ApprovalFunctionEnv.PayloadBucket), prefix: PAYLOAD_PREFIX }),
});
