import type { Agent } from '../agent';
import { BudgetExceededError, ContainerStoppedError, MaxIterationsExceededError, RunAbortedError, type StepwiseError } from '../errors';
import type { RunState } from '../run-state';

/** A small predicate over the run: returns the error that stops it, or undefined to go on. */
export type StopCondition = (state: RunState, activeMs: number) => StepwiseError | undefined;

/** Stops when the run has used all of its model iterations. */
export const iterationCountIs = (maxIterations: number): StopCondition => (state) =>
  state.iterations >= maxIterations ? new MaxIterationsExceededError(maxIterations) : undefined;

/** Stops when input + output tokens reach the budget. */
export const tokensExceed = (maxTokens: number): StopCondition => (state) => {
  const used = state.usage.inputTokens + state.usage.outputTokens;
  return used >= maxTokens ? new BudgetExceededError('tokens', maxTokens, used) : undefined;
};

/** Stops when the run's cost (everything priced so far) reaches the budget. */
export const costExceeds = (maxCostUsd: number): StopCondition => (state) =>
  state.costUsd >= maxCostUsd ? new BudgetExceededError('costUsd', maxCostUsd, Number(state.costUsd.toFixed(6))) : undefined;

/** Stops when working time (not approval waits) reaches the budget. */
export const durationExceeds = (maxDurationMs: number): StopCondition => (_state, activeMs) =>
  activeMs >= maxDurationMs ? new BudgetExceededError('durationMs', maxDurationMs, Math.round(activeMs)) : undefined;

/** Stops when the caller aborted the run; a `ContainerStoppedError` reason is kept as it is. */
export const aborted = (signal: AbortSignal | undefined): StopCondition => () => {
  if (!signal?.aborted) return undefined;
  if (signal.reason instanceof ContainerStoppedError) return signal.reason;
  return new RunAbortedError(signal.reason instanceof Error ? signal.reason.message : signal.reason ? String(signal.reason) : undefined);
};

/** The stop conditions an agent's settings imply, checked before every model call. */
export function stopConditionsFor(agent: Agent, signal: AbortSignal | undefined, maxIterations: number): StopCondition[] {
  const conditions = [aborted(signal), iterationCountIs(maxIterations)];
  if (agent.budget.maxTokens !== undefined) conditions.push(tokensExceed(agent.budget.maxTokens));
  if (agent.budget.maxCostUsd !== undefined) conditions.push(costExceeds(agent.budget.maxCostUsd));
  if (agent.budget.maxDurationMs !== undefined) conditions.push(durationExceeds(agent.budget.maxDurationMs));
  return conditions;
}
