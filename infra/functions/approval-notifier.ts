import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbApprovalStore } from '../../framework/internal';
import { ApprovalFunctionEnv } from '../constants';
import { optionalVariable, requiredVariable } from './environment';
import { createApprovalNotifier } from './notify-approval';

/** AWS Lambda entry point of the approval notifier; configured once, from its environment. */
export const handler = createApprovalNotifier({
  approvals: new DynamoDbApprovalStore({ dynamodb: new DynamoDBClient({}), tableName: requiredVariable(process.env, ApprovalFunctionEnv.ApprovalsTable) }),
  sns: new SNSClient({}),
  topicArn: requiredVariable(process.env, ApprovalFunctionEnv.TopicArn),
  apiUrl: optionalVariable(process.env, ApprovalFunctionEnv.ApiUrl),
  approvalTimeouts: JSON.parse(optionalVariable(process.env, ApprovalFunctionEnv.ApprovalTimeouts) ?? '{}') as Record<string, number>,
});
