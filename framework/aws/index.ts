export { AwsServiceError, AwsRetryDefaults, awsApiClient, serviceEndpoint, type AwsApiClient, type AwsApiRequest, type AwsServiceDescription } from './aws-api-client';
export { CredentialDefaults, awsCredentials, type CredentialsProvider } from './credentials';
export { RequestAbortedError } from './http-exchange';
export { LAMBDA_SERVICE, lambdaInvokeApi, type LambdaInvokeApi, type LambdaInvokeInput, type LambdaInvokeOutput } from './lambda-invoke-api';
export { STEP_FUNCTIONS_SERVICE, stepFunctionsApi, type StepFunctionsApi } from './step-functions-api';
