import { ConfigDefinitionError } from '../errors';

/** USD per million tokens for one model. */
export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** CPU architectures of Fargate tasks. */
export const CpuArchitecture = {
  X86_64: 'x86_64',
  Arm64: 'arm64',
} as const;
export type CpuArchitecture = (typeof CpuArchitecture)[keyof typeof CpuArchitecture];

/** USD per vCPU-hour and per GB-hour of a Fargate task (Linux). */
export interface ComputePrice {
  readonly vcpuHour: number;
  readonly gbHour: number;
}

/**
 * Every price an execution's cost is computed from: model tokens, and the AWS services one
 * execution uses (Fargate, Lambda, Step Functions Standard), for one region.
 */
export interface PriceTable {
  /** The AWS region the AWS prices are for. */
  readonly region: string;
  /** When the prices were read from the public price pages (`YYYY-MM`). */
  readonly asOf: string;
  /**
   * USD per million tokens by model name. A name prices its dated variants too
   * (`gpt-4o-mini-2024-07-18`), and a Bedrock model id its inference profiles
   * (`us.anthropic.claude-…`, `eu.…`, `global.…`).
   */
  readonly models: Readonly<Record<string, ModelPrice>>;
  /** Fargate (Linux) by CPU architecture, billed per second with a one-minute minimum per task. */
  readonly fargate: Readonly<Record<CpuArchitecture, ComputePrice>>;
  /** Lambda: requests, and GB-seconds at the ARM64 rate (the platform deploys its functions on ARM64). */
  readonly lambda: { readonly perMillionRequests: number; readonly gbSecond: number };
  /** Step Functions Standard workflows. */
  readonly stepFunctions: { readonly perThousandTransitions: number };
}

/** Changes to the price table, as `defineConfig({ prices })` takes them. */
export interface PriceOverrides {
  readonly region?: string;
  readonly asOf?: string;
  /** Added to (or replacing) the default model prices. */
  readonly models?: Readonly<Record<string, ModelPrice>>;
  readonly fargate?: Partial<Readonly<Record<CpuArchitecture, ComputePrice>>>;
  readonly lambda?: Partial<PriceTable['lambda']>;
  readonly stepFunctions?: Partial<PriceTable['stepFunctions']>;
}

/** Fargate bills each task for at least this long. */
export const FARGATE_MINIMUM_BILLED_SECONDS = 60;

/**
 * List prices (on-demand, us-east-1) from the public OpenAI, Amazon Bedrock, AWS Fargate, AWS
 * Lambda and AWS Step Functions price pages as of `asOf`, transcribed from memory of those pages
 * and not checked against them since: check the pages, and override what differs for you (a
 * region, a discount, a model) with `defineConfig({ prices })`. Free tiers are not counted.
 */
export const defaultPriceTable: PriceTable = {
  region: 'us-east-1',
  asOf: '2025-10',
  models: {
    // OpenAI, standard tier.
    'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
    'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
    'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
    'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
    'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
    'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
    'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
    o3: { inputPerMillion: 2, outputPerMillion: 8 },
    'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
    // Amazon Bedrock, on-demand. Cross-region inference profiles are priced as the source region.
    'anthropic.claude-sonnet-4-5-20250929-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
    'anthropic.claude-sonnet-4-20250514-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
    'anthropic.claude-haiku-4-5-20251001-v1:0': { inputPerMillion: 1, outputPerMillion: 5 },
    'anthropic.claude-opus-4-1-20250805-v1:0': { inputPerMillion: 15, outputPerMillion: 75 },
    'anthropic.claude-opus-4-20250514-v1:0': { inputPerMillion: 15, outputPerMillion: 75 },
    'anthropic.claude-3-7-sonnet-20250219-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
    'anthropic.claude-3-5-sonnet-20241022-v2:0': { inputPerMillion: 3, outputPerMillion: 15 },
    'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillion: 0.8, outputPerMillion: 4 },
    'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
    'amazon.nova-premier-v1:0': { inputPerMillion: 2.5, outputPerMillion: 12.5 },
    'amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
    'amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
    'amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
    'meta.llama3-3-70b-instruct-v1:0': { inputPerMillion: 0.72, outputPerMillion: 0.72 },
    'meta.llama3-1-70b-instruct-v1:0': { inputPerMillion: 0.72, outputPerMillion: 0.72 },
    'meta.llama3-1-8b-instruct-v1:0': { inputPerMillion: 0.22, outputPerMillion: 0.22 },
    'mistral.mistral-large-2407-v1:0': { inputPerMillion: 2, outputPerMillion: 6 },
    'deepseek.r1-v1:0': { inputPerMillion: 1.35, outputPerMillion: 5.4 },
    // No network, no tokens: the offline planner and the scripted test model cost nothing.
    offline: { inputPerMillion: 0, outputPerMillion: 0 },
    scripted: { inputPerMillion: 0, outputPerMillion: 0 },
  },
  fargate: {
    [CpuArchitecture.X86_64]: { vcpuHour: 0.04048, gbHour: 0.004445 },
    [CpuArchitecture.Arm64]: { vcpuHour: 0.03238, gbHour: 0.00356 },
  },
  lambda: { perMillionRequests: 0.2, gbSecond: 0.0000133334 },
  stepFunctions: { perThousandTransitions: 0.025 },
};

/** Geographic prefixes of Bedrock cross-region inference profiles (`us.anthropic.…`). */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|jp|au|ca|global)\./;

/** The names a model id may be priced under, most specific first. */
function candidateNames(model: string): string[] {
  const name = model.replace(/^(openai|bedrock):/, '');
  // An ARN prices as the id after its last slash (a foundation model or a system inference profile).
  const id = name.startsWith('arn:') ? name.slice(name.lastIndexOf('/') + 1) : name;
  const base = id.replace(INFERENCE_PROFILE_PREFIX, '');
  return [...new Set([model, name, id, base])];
}

/**
 * Finds the price of a model: by its exact name (with or without `openai:`/`bedrock:`, an
 * inference profile's prefix or an ARN), then by the longest table name it starts with
 * (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`).
 *
 * @example
 * findModelPrice('bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0', defaultPriceTable); // { inputPerMillion: 3, outputPerMillion: 15 }
 */
export function findModelPrice(model: string, prices: PriceTable): ModelPrice | undefined {
  const names = candidateNames(model);
  for (const name of names) if (prices.models[name]) return prices.models[name];
  const prefix = Object.keys(prices.models)
    .filter((key) => names.some((name) => name.startsWith(`${key}-`)))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? prices.models[prefix] : undefined;
}

/** USD of `inputTokens`/`outputTokens` at `price`. */
export function tokenCost(price: ModelPrice, usage: { inputTokens: number; outputTokens: number }): number {
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

function fail(field: string, problem: string): never {
  throw new ConfigDefinitionError(`prices.${field} ${problem}`, { field: `prices.${field}` });
}

function checkPrice(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(field, `must be a number ≥ 0 (USD), got ${JSON.stringify(value)}`);
}

function checkObject(field: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'must be an object');
  for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${field}.${key}`, `is not a price Stepwise knows (use ${keys.join(', ')})`);
  return value as Record<string, unknown>;
}

const TOP_LEVEL = ['region', 'asOf', 'models', 'fargate', 'lambda', 'stepFunctions'] as const;

/**
 * Checks `defineConfig({ prices })` and lays it over the default table.
 *
 * @throws ConfigDefinitionError naming the field that is wrong.
 * @example
 * resolvePrices({ models: { 'llama3.1': { inputPerMillion: 0, outputPerMillion: 0 } }, region: 'eu-west-1', fargate: { x86_64: { vcpuHour: 0.04456, gbHour: 0.004865 } } });
 */
export function resolvePrices(overrides: PriceOverrides | undefined): PriceTable {
  if (overrides === undefined) return defaultPriceTable;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) fail('', 'must be an object');
  for (const [key, value] of Object.entries(overrides)) {
    if ((TOP_LEVEL as readonly string[]).includes(key)) continue;
    const looksLikeModel = typeof value === 'object' && value !== null && 'inputPerMillion' in value;
    fail(key, looksLikeModel ? `looks like a model price: model prices go under prices.models, e.g. prices: { models: { '${key}': { inputPerMillion, outputPerMillion } } }` : `is not part of the price table (use ${TOP_LEVEL.join(', ')})`);
  }
  for (const field of ['region', 'asOf'] as const) {
    if (overrides[field] !== undefined && (typeof overrides[field] !== 'string' || overrides[field].trim() === '')) fail(field, 'must be a non-empty string');
  }
  for (const [model, price] of Object.entries(overrides.models ? checkObject('models', overrides.models, Object.keys(overrides.models)) : {})) {
    const checked = checkObject(`models["${model}"]`, price, ['inputPerMillion', 'outputPerMillion']);
    checkPrice(`models["${model}"].inputPerMillion`, checked.inputPerMillion);
    checkPrice(`models["${model}"].outputPerMillion`, checked.outputPerMillion);
  }
  const fargate = overrides.fargate ? checkObject('fargate', overrides.fargate, Object.values(CpuArchitecture)) : {};
  for (const [architecture, price] of Object.entries(fargate)) {
    const checked = checkObject(`fargate.${architecture}`, price, ['vcpuHour', 'gbHour']);
    checkPrice(`fargate.${architecture}.vcpuHour`, checked.vcpuHour);
    checkPrice(`fargate.${architecture}.gbHour`, checked.gbHour);
  }
  for (const [key, value] of Object.entries(overrides.lambda ? checkObject('lambda', overrides.lambda, ['perMillionRequests', 'gbSecond']) : {})) checkPrice(`lambda.${key}`, value);
  for (const [key, value] of Object.entries(overrides.stepFunctions ? checkObject('stepFunctions', overrides.stepFunctions, ['perThousandTransitions']) : {})) checkPrice(`stepFunctions.${key}`, value);
  return {
    region: overrides.region ?? defaultPriceTable.region,
    asOf: overrides.asOf ?? defaultPriceTable.asOf,
    models: { ...defaultPriceTable.models, ...overrides.models },
    fargate: { ...defaultPriceTable.fargate, ...(overrides.fargate as Partial<Record<CpuArchitecture, ComputePrice>>) },
    lambda: { ...defaultPriceTable.lambda, ...overrides.lambda },
    stepFunctions: { ...defaultPriceTable.stepFunctions, ...overrides.stepFunctions },
  };
}
