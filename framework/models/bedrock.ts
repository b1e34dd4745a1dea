import type { BedrockRuntimeClient, ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { ConfigDefinitionError } from '../errors';
import type { Model, ModelRequest, ModelResponse } from '../model';
import { RetryDefaults, boundedCall, type Attempt, type RetryPolicy } from './attempts';
import { BrokenConverseStreamError, ConverseStreamAssembler, classifyBedrockFailure, fromConverseResponse, isConnectionFailure, toConverseRequest } from './bedrock-wire';

/** Options of `bedrockModel`. Nothing here is read from the environment: the CLI and the container read `AWS_REGION` and `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` and pass them. */
export interface BedrockModelOptions {
  /**
   * A Bedrock model id, inference profile id or ARN, e.g. `amazon.nova-pro-v1:0`,
   * `us.anthropic.claude-sonnet-4-20250514-v1:0`.
   */
  readonly model: string;
  /**
   * The AWS region of the Bedrock Runtime endpoint.
   * @default the SDK's standard configuration (`AWS_REGION`, the profile's region)
   */
  readonly region?: string;
  /**
   * Another endpoint for the Bedrock Runtime API (a VPC endpoint, a test server).
   * @default the SDK's standard configuration (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, else the regional endpoint)
   */
  readonly endpoint?: string;
  /**
   * Retries of throttling, service errors, dropped connections, broken streams and attempts that time out.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Time allowed for one attempt, from sending the request to the last event of the answer.
   * @default 600000
   */
  readonly timeoutMs?: number;
  /**
   * The longest wait before a retry.
   * @default 60000
   */
  readonly maxRetryWaitMs?: number;
  /**
   * Stream the reply (ConverseStream): its text reaches progress events as it arrives.
   * @default true
   */
  readonly stream?: boolean;
  /** @default the model's default */
  readonly temperature?: number;
  /**
   * The most output tokens one reply may have (`inferenceConfig.maxTokens`). A reply cut off at
   * the limit fails the run with `Stepwise.ModelOutputTruncated`.
   * @default the model's default
   */
  readonly maxOutputTokens?: number;
  /** A ready client (tests, custom credentials). When given, `region` and `endpoint` are ignored. */
  readonly client?: BedrockRuntimeClient;
}

type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');

/**
 * Loaded on the first call, not at import: agents on other models never pay for loading the
 * Bedrock client (the container's start time counts against its heartbeat and its bill).
 */
function loadSdk(): BedrockSdk {
  return require('@aws-sdk/client-bedrock-runtime') as BedrockSdk;
}

/**
 * A model on Amazon Bedrock through the Converse API: IAM credentials (no API key), native tool
 * use with parallel calls (`toolCalling: 'native'`) or the text protocol (`'text'`, for models
 * without tool use), streamed with ConverseStream by default. Calls are bounded like every model:
 * `timeoutMs` per attempt covers the whole answer, throttling is retried within `maxRetries`,
 * `maxRetryWaitMs` and the request's deadline, and the abort signal ends any wait.
 *
 * @example
 * const model = bedrockModel({ model: 'us.anthropic.claude-sonnet-4-20250514-v1:0', region: 'us-east-1' });
 */
export function bedrockModel(options: BedrockModelOptions): Model {
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    throw new ConfigDefinitionError('bedrockModel needs a model id, e.g. { model: "amazon.nova-pro-v1:0" }', { field: 'model' });
  }
  for (const [field, minimum] of [['maxRetries', 0], ['timeoutMs', 1], ['maxRetryWaitMs', 0], ['maxOutputTokens', 1]] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isInteger(value) || value < minimum)) {
      throw new ConfigDefinitionError(`bedrockModel: ${field} must be a whole number of at least ${minimum}, got ${value}`, { field });
    }
  }
  const id = `bedrock:${options.model}`;
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? RetryDefaults.maxRetries,
    timeoutMs: options.timeoutMs ?? RetryDefaults.timeoutMs,
    maxRetryWaitMs: options.maxRetryWaitMs ?? RetryDefaults.maxRetryWaitMs,
  };
  const stream = options.stream ?? true;
  const endpoint = options.endpoint ?? `Amazon Bedrock${options.region ? ` (${options.region})` : ''}`;
  let client = options.client;

  return {
    id,
    generate(request: ModelRequest): Promise<ModelResponse> {
      const sdk = loadSdk();
      // Retries are ours (bounded by the deadline and abortable): the client makes one attempt.
      client ??= new sdk.BedrockRuntimeClient({ region: options.region, endpoint: options.endpoint, maxAttempts: 1 });
      const input = toConverseRequest({ modelId: options.model, temperature: options.temperature, maxOutputTokens: options.maxOutputTokens }, request);
      const bedrock = client;
      return boundedCall(
        { modelId: id, endpoint, policy, signal: request.signal, deadline: request.deadline, classify: (error) => classifyBedrockFailure(error, { endpoint, modelId: options.model, region: options.region }) },
        async (attempt) => {
          if (!stream) return fromConverseResponse(options.model, await bedrock.send(new sdk.ConverseCommand(input), { abortSignal: attempt.signal }));
          const output = await bedrock.send(new sdk.ConverseStreamCommand(input), { abortSignal: attempt.signal });
          return readStream(output.stream, options.model, request, attempt);
        },
      );
    },
  };
}

async function readStream(events: AsyncIterable<ConverseStreamOutput> | undefined, modelId: string, request: ModelRequest, attempt: Attempt): Promise<ModelResponse> {
  const assembler = new ConverseStreamAssembler((text) => request.onTextDelta?.(text, attempt.number));
  if (!events) throw new BrokenConverseStreamError('the answer had no event stream');
  try {
    for await (const event of events) assembler.add(event);
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw new BrokenConverseStreamError(`the connection broke (${(error as Error).message}) after ${assembler.receivedChars} characters of text`, { cause: error });
  }
  if (!assembler.finished) {
    throw new BrokenConverseStreamError(`the stream ended after ${assembler.receivedChars} characters of text, before the model finished its reply`);
  }
  return assembler.response(modelId);
}
