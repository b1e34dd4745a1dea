/**
 * Hard limits of the AWS services Stepwise runs on. The code that sends a value checks it against
 * these, the local engine enforces them the way AWS does, and tests push past each one.
 */
export const AwsLimits = {
  /** ECS RunTask: all overrides of one task together, JSON formatting included, in characters. */
  runTaskOverridesChars: 8_192,
  /** Step Functions: execution input, task output (SendTaskSuccess) and every state's input and output, in UTF-8 bytes. */
  payloadBytes: 262_144,
  /** Step Functions: the longest task token, in characters. */
  taskTokenChars: 2_048,
  /** Step Functions: the `error` of SendTaskFailure, in characters. */
  taskErrorChars: 256,
  /** Step Functions: the `cause` of SendTaskFailure, in characters. */
  taskCauseChars: 32_768,
  /** DynamoDB: one item, attribute names included, in bytes. */
  dynamoDbItemBytes: 400 * 1024,
  /** Lambda: the request and the response of a synchronous invocation, each, in bytes. */
  lambdaPayloadBytes: 6 * 1024 * 1024,
} as const;
export type AwsLimit = keyof typeof AwsLimits;

/** The size of a string as AWS measures payloads: UTF-8 bytes. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
