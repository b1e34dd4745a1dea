export { AwsRetryDefaults, awsApiClient, type AwsApiClient, type AwsApiClientOptions, type AwsApiRequest } from './aws-api-client';
export { AwsServiceError, isRetryable } from './aws-service-error';
export { CredentialDefaults, awsCredentials, type CredentialsProvider } from './credentials';
export { awsRegion, serviceEndpoint, type AwsServiceDescription } from './endpoint';
export { RequestAbortedError } from './http-exchange';
export { LAMBDA_SERVICE, lambdaInvokeApi, type LambdaInvokeApi, type LambdaInvokeInput, type LambdaInvokeOutput } from './lambda-invoke-api';
export { STEP_FUNCTIONS_SERVICE, stepFunctionsApi, type StepFunctionsApi } from './step-functions-api';
