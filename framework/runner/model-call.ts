import { BudgetExceededError, ModelDeadlineError, ModelError, ModelOutputTruncatedError, StepwiseError } from '../errors';
import { EventType } from '../events';
import { StopReason, type ModelResponse, type Usage } from '../model';
import { buildRequest } from './conversation';
import type { RunContext } from './run-context';
import { stopConditionsFor } from './stop-conditions';
import { TextDeltaCoalescer } from './text-deltas';

/**
 * Asks the model for the next step. The call is bounded by the duration budget (its deadline) and
 * the run's abort signal; streamed text becomes `model.delta` events, all emitted before this
 * returns; usage that is not a whole number ≥ 0 is refused, since budgets and cost rest on it.
 */
export async function callModel(context: RunContext): Promise<ModelResponse> {
  const controller = new AbortController();
  const forward = (): void => controller.abort(context.signal?.reason);
  if (context.signal?.aborted) forward();
  else context.signal?.addEventListener('abort', forward, { once: true });
  const budgetMs = context.agent.budget.maxDurationMs;
  const remaining = budgetMs !== undefined ? Math.max(0, budgetMs - context.activeMs()) : undefined;
  // The deadline bounds models that honour it; this timer bounds the ones that do not.
  const timer = remaining !== undefined ? setTimeout(() => controller.abort(new Error('duration budget reached')), remaining) : undefined;
  const deltas = new TextDeltaCoalescer((text, attempt) => context.emit({ type: EventType.TextDelta, text, attempt }));
  try {
    const response = await context.model.generate({
      ...buildRequest(context, controller.signal),
      deadline: remaining !== undefined ? Date.now() + remaining : undefined,
      onTextDelta: (text, attempt) => deltas.push(text, attempt),
    });
    checkUsage(context.model.id, response?.usage);
    return response;
  } catch (error) {
    const stop = stopConditionsFor(context.agent, context.signal, Number.POSITIVE_INFINITY).map((condition) => condition(context.state, context.activeMs())).find(Boolean);
    if (stop) throw stop;
    if (error instanceof ModelDeadlineError && budgetMs !== undefined) {
      throw new BudgetExceededError('durationMs', budgetMs, Math.round(context.activeMs()), { detail: error.message, cause: error });
    }
    if (error instanceof StepwiseError) throw error;
    throw new ModelError(context.model.id, (error as Error)?.message ?? String(error), { cause: error });
  } finally {
    clearTimeout(timer);
    context.signal?.removeEventListener('abort', forward);
    await deltas.flush();
  }
}

function checkUsage(modelId: string, usage: Usage | undefined): void {
  const problems = (['inputTokens', 'outputTokens'] as const)
    .filter((field) => !(Number.isSafeInteger(usage?.[field]) && (usage?.[field] as number) >= 0))
    .map((field) => `${field === 'inputTokens' ? 'input' : 'output'} tokens ${JSON.stringify(usage?.[field]) ?? 'missing'}`);
  if (problems.length > 0) {
    throw new ModelError(
      modelId,
      `reported invalid usage (${problems.join(', ')}): token counts must be whole numbers ≥ 0. The reply was refused because budgets and cost are computed from them; check the endpoint or the Model implementation`,
    );
  }
}

/**
 * Refuses a reply the model did not finish: cut off at its output token limit (never an answer,
 * and its tool calls may be cut off mid-argument) or stopped by a content filter.
 */
export function refuseIncomplete(modelId: string, response: ModelResponse): void {
  if (response.stopReason === StopReason.MaxTokens) throw new ModelOutputTruncatedError(modelId, response.usage.outputTokens);
  if (response.stopReason === StopReason.ContentFilter) {
    throw new ModelError(modelId, "the endpoint's content filter stopped the reply, so it is incomplete and was not used. Rephrase the task or the agent's instructions");
  }
}
