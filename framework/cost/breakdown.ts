import type { Usage } from '../model';
import { FARGATE_MINIMUM_BILLED_SECONDS, findModelPrice, tokenCost, type CpuArchitecture, type PriceTable } from './prices';

/** The size of the container a run's turns execute in. */
export interface ContainerSize {
  readonly vcpu: number;
  readonly memoryGb: number;
  readonly architecture: CpuArchitecture;
}

/**
 * What a run consumed besides model tokens, kept in its state so that every turn adds to it.
 * All zero for a run in process; the agent container fills it in.
 */
export interface ResourceUsage {
  /** Container turns started for the execution; a retried turn counts again. */
  containerTurns: number;
  /** Billed seconds of the turns before the current one (each whole seconds, at least Fargate's minimum). */
  containerBilledSeconds: number;
  /** Seconds the current turn has run so far. */
  containerSeconds: number;
  /** The container's size (an execution keeps its task definition, so one size for all its turns). */
  container?: ContainerSize;
  /** Tool invocations through the Lambda API, with their billed GB-seconds. */
  lambdaRequests: number;
  lambdaGbSeconds: number;
  /** Lambda the workflow invokes itself (the approval notifier), counted from the state. */
  workflowLambdaRequests: number;
  workflowLambdaGbSeconds: number;
  /** Step Functions state transitions of the execution, counted from the state and the workflow's shape. */
  stateTransitions: number;
}

/** A run that has not used any platform yet. */
export const noResources = (): ResourceUsage => ({
  containerTurns: 0,
  containerBilledSeconds: 0,
  containerSeconds: 0,
  lambdaRequests: 0,
  lambdaGbSeconds: 0,
  workflowLambdaRequests: 0,
  workflowLambdaGbSeconds: 0,
  stateTransitions: 0,
});

/** The cost of one model's tokens. */
export interface ModelCost {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null when the model has no price in the table. */
  readonly usd: number | null;
}

/**
 * The whole cost of an execution, line by line, in USD at the table's list prices. This is the
 * `cost` of the execution output, of `stepwise status --json` and of the run summary.
 */
export interface CostBreakdown {
  /** Every line added up; null when a model has no price (see `model.unpriced`). */
  readonly totalUsd: number | null;
  /** The region and date of the prices used. */
  readonly region: string;
  readonly pricesAsOf: string;
  readonly model: {
    /** null when a model has no price. */
    readonly usd: number | null;
    readonly byModel: Readonly<Record<string, ModelCost>>;
    /** Models that answered but have no price: add them to `defineConfig({ prices: { models } })`. */
    readonly unpriced: readonly string[];
  };
  /** Fargate: each turn billed per second, at least one minute, at the task's size and architecture. */
  readonly container: {
    readonly turns: number;
    readonly billedSeconds: number;
    readonly vcpuSeconds: number;
    readonly gbSeconds: number;
    readonly architecture: CpuArchitecture | null;
    readonly usd: number;
  };
  /** Tool invocations and the approval notifier. */
  readonly lambda: { readonly requests: number; readonly gbSeconds: number; readonly usd: number };
  readonly stepFunctions: { readonly stateTransitions: number; readonly usd: number };
}

/** How long Fargate bills a turn that ran `seconds`. */
export function billedTurnSeconds(seconds: number): number {
  return Math.max(FARGATE_MINIMUM_BILLED_SECONDS, Math.ceil(seconds));
}

/** USD to 8 decimals: exact enough for a tenth of a micro-dollar, short in JSON. */
const usd = (value: number): number => Math.round(value * 1e8) / 1e8;

/**
 * Prices what a run consumed: tokens by model, container time, Lambda, state transitions.
 *
 * @example
 * const cost = costBreakdown(state.usageByModel, state.resources, resolvePrices(config.prices));
 * cost.totalUsd; // e.g. 0.00412, or null when a model has no price
 */
export function costBreakdown(usageByModel: Readonly<Record<string, Usage>>, resources: ResourceUsage | undefined, prices: PriceTable): CostBreakdown {
  const used = resources ?? noResources();
  const byModel: Record<string, ModelCost> = {};
  const unpriced: string[] = [];
  let modelUsd: number | null = 0;
  for (const [model, usage] of Object.entries(usageByModel)) {
    const price = findModelPrice(model, prices);
    const cost = price ? usd(tokenCost(price, usage)) : null;
    byModel[model] = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, usd: cost };
    if (cost === null) unpriced.push(model);
    modelUsd = cost === null || modelUsd === null ? null : modelUsd + cost;
  }
  const billedSeconds = used.containerBilledSeconds + (used.containerSeconds > 0 ? billedTurnSeconds(used.containerSeconds) : 0);
  const size = used.container;
  const vcpuSeconds = size ? billedSeconds * size.vcpu : 0;
  const gbSeconds = size ? billedSeconds * size.memoryGb : 0;
  const compute = size ? prices.fargate[size.architecture] : undefined;
  const containerUsd = compute ? usd((vcpuSeconds * compute.vcpuHour + gbSeconds * compute.gbHour) / 3600) : 0;
  const lambdaRequests = used.lambdaRequests + used.workflowLambdaRequests;
  const lambdaGbSeconds = used.lambdaGbSeconds + used.workflowLambdaGbSeconds;
  const lambdaUsd = usd((lambdaRequests * prices.lambda.perMillionRequests) / 1_000_000 + lambdaGbSeconds * prices.lambda.gbSecond);
  const stepFunctionsUsd = usd((used.stateTransitions * prices.stepFunctions.perThousandTransitions) / 1_000);
  return {
    totalUsd: modelUsd === null ? null : usd(modelUsd + containerUsd + lambdaUsd + stepFunctionsUsd),
    region: prices.region,
    pricesAsOf: prices.asOf,
    model: { usd: modelUsd === null ? null : usd(modelUsd), byModel, unpriced },
    container: { turns: used.containerTurns, billedSeconds, vcpuSeconds: usd(vcpuSeconds), gbSeconds: usd(gbSeconds), architecture: size?.architecture ?? null, usd: containerUsd },
    lambda: { requests: lambdaRequests, gbSeconds: usd(lambdaGbSeconds), usd: lambdaUsd },
    stepFunctions: { stateTransitions: used.stateTransitions, usd: stepFunctionsUsd },
  };
}

/** The part of a breakdown that has a price: what a cost budget can count when a model has none. */
export function pricedUsd(cost: CostBreakdown): number {
  const models = Object.values(cost.model.byModel).reduce((sum, model) => sum + (model.usd ?? 0), 0);
  return usd(models + cost.container.usd + cost.lambda.usd + cost.stepFunctions.usd);
}

/** Adds usage `b` into a copy of `a`. */
export function addUsage(a: Usage, b: Usage): Usage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}
