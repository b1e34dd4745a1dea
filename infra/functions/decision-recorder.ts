import { S3Client } from '@aws-sdk/client-s3';
import { S3PayloadStore } from '../../framework/internal';
import { createDecisionRecorder } from '../../state-machines';
import { ApprovalFunctionEnv, PAYLOAD_PREFIX } from '../constants';
import { requiredVariable } from './environment';

/** AWS Lambda entry point of the `RecordDecision` state; configured once, from its environment. */
export const handler = createDecisionRecorder({
  payloads: new S3PayloadStore({ s3: new S3Client({}), bucket: requiredVariable(process.env, ApprovalFunctionEnv.PayloadBucket), prefix: PAYLOAD_PREFIX }),
});
