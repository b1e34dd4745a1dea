import { awsApiClient, type AwsApiClientOptions } from './aws-api-client';

/** The Step Functions actions a task worker (the agent container) uses. */
export interface StepFunctionsApi {
  /** The execution's input (and what else DescribeExecution answers). */
  describeExecution(executionArn: string): Promise<{ readonly input?: string; readonly status?: string }>;
  sendTaskSuccess(taskToken: string, output: string): Promise<void>;
  sendTaskFailure(taskToken: string, failure: { readonly error: string; readonly cause: string }): Promise<void>;
  sendTaskHeartbeat(taskToken: string): Promise<void>;
}

/** Step Functions as its API is reached: `states.<region>.amazonaws.com`, `AWS_ENDPOINT_URL_SFN`. */
export const STEP_FUNCTIONS_SERVICE = { signingName: 'states', endpointPrefix: 'states', endpointId: 'SFN' } as const;

/**
 * The Step Functions API over its JSON protocol (AWS JSON 1.0: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Action>`), signed with the standard AWS configuration in `env`.
 * Errors are `AwsServiceError`s named by the service's error code (`TaskTimedOut`,
 * `TaskDoesNotExist`, `InvalidToken`, `AccessDeniedException`, …), as the AWS SDK names them.
 *
 * @example
 * const sfn = stepFunctionsApi(process.env);
 * await sfn.sendTaskHeartbeat(taskToken);
 */
export function stepFunctionsApi(env: NodeJS.ProcessEnv, options: AwsApiClientOptions = {}): StepFunctionsApi {
  const client = awsApiClient(STEP_FUNCTIONS_SERVICE, env, options);
  const call = async (action: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const response = await client.send({
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${action}` },
      body: Buffer.from(JSON.stringify(input)),
    });
    const text = response.body.toString('utf8');
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
  return {
    async describeExecution(executionArn) {
      const answer = await call('DescribeExecution', { executionArn });
      return {
        ...(typeof answer.input === 'string' ? { input: answer.input } : {}),
        ...(typeof answer.status === 'string' ? { status: answer.status } : {}),
      };
    },
    async sendTaskSuccess(taskToken, output) {
      await call('SendTaskSuccess', { taskToken, output });
    },
    async sendTaskFailure(taskToken, failure) {
      await call('SendTaskFailure', { taskToken, error: failure.error, cause: failure.cause });
    },
    async sendTaskHeartbeat(taskToken) {
      await call('SendTaskHeartbeat', { taskToken });
    },
  };
}
