import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbApprovalStore } from '../../framework';
import { ApprovalFunctionEnv } from '../constants';
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
});
