import { awsApiClient, type AwsApiClientOptions } from './aws-api-client';

/** What an invocation sends: the fields of the AWS SDK's `InvokeCommandInput` that tools use. */
export interface LambdaInvokeInput {
  readonly FunctionName: string;
  readonly Qualifier?: string;
  readonly InvocationType?: 'RequestResponse' | 'Event' | 'DryRun';
  readonly LogType?: 'None' | 'Tail';
  readonly Payload?: Uint8Array;
}

/** What an invocation answers: the fields of the AWS SDK's `InvokeCommandOutput` that tools read. */
export interface LambdaInvokeOutput {
  readonly StatusCode?: number;
  readonly FunctionError?: string;
  readonly LogResult?: string;
  readonly ExecutedVersion?: string;
  readonly Payload?: Uint8Array;
}

/**
 * Invokes Lambda functions. The AWS SDK's aggregated `Lambda` client has this shape, and so has
 * `lambdaInvokeApi`, which the agent container uses instead of loading the SDK.
 */
export interface LambdaInvokeApi {
  invoke(input: LambdaInvokeInput, options?: { readonly abortSignal?: AbortSignal }): Promise<LambdaInvokeOutput>;
}

/** Lambda as its API is reached: `lambda.<region>.amazonaws.com`, `AWS_ENDPOINT_URL_LAMBDA`. */
export const LAMBDA_SERVICE = { signingName: 'lambda', endpointPrefix: 'lambda', endpointId: 'LAMBDA' } as const;

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Lambda's Invoke action over its REST protocol (`POST /2015-03-31/functions/<name>/invocations`),
 * signed with the standard AWS configuration in `env`. Errors are `AwsServiceError`s named by the
 * service's error code (`ResourceNotFoundException`, `TooManyRequestsException`, …), as the AWS
 * SDK names them; a function that ran and failed answers with `FunctionError`, not an error.
 *
 * @example
 * const lambda = lambdaInvokeApi(process.env);
 * const { Payload } = await lambda.invoke({ FunctionName: 'stepwise-echo', Payload: Buffer.from('{}') });
 */
export function lambdaInvokeApi(env: NodeJS.ProcessEnv, options: AwsApiClientOptions = {}): LambdaInvokeApi {
  const client = awsApiClient(LAMBDA_SERVICE, env, options);
  return {
    async invoke(input, options = {}) {
      const body = input.Payload ? Buffer.from(input.Payload.buffer, input.Payload.byteOffset, input.Payload.byteLength) : Buffer.alloc(0);
      const response = await client.send({
        method: 'POST',
        path: `/2015-03-31/functions/${encodeURIComponent(input.FunctionName)}/invocations`,
        ...(input.Qualifier ? { query: { Qualifier: input.Qualifier } } : {}),
        headers: {
          'content-type': 'application/octet-stream',
          ...(input.InvocationType ? { 'x-amz-invocation-type': input.InvocationType } : {}),
          ...(input.LogType ? { 'x-amz-log-type': input.LogType } : {}),
        },
        body,
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
      });
      const functionError = header(response.headers['x-amz-function-error']);
      const logResult = header(response.headers['x-amz-log-result']);
      const executedVersion = header(response.headers['x-amz-executed-version']);
      return {
        StatusCode: response.status,
        ...(functionError ? { FunctionError: functionError } : {}),
        ...(logResult ? { LogResult: logResult } : {}),
        ...(executedVersion ? { ExecutedVersion: executedVersion } : {}),
        Payload: new Uint8Array(response.body.buffer, response.body.byteOffset, response.body.byteLength),
      };
    },
  };
}
