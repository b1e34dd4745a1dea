import type { Agent } from '../agent';
import { Defaults, RunStatus, ToolCallingMode } from '../constants';
import { addUsage, costOf, defaultPrices, type PriceTable } from '../cost';
import { ContainerStoppedError, InvalidInputError, ModelError, RunAbortedError, StepwiseError, ToolOutcomeUnknownError, describeError } from '../errors';
import { EventStream, EventType, type EventListener } from '../events';
import type { Model, Usage } from '../model';
import { parseTextResponse } from '../models/text-protocol';
import { resolveModel, type ModelSettings } from '../models/resolve';
import { RunState, type PendingApproval } from '../run-state';
import type { AnyTool, ToolWorkspace } from '../tool';
import { buildRequest, unansweredCalls, uniqueCallIds } from './conversation';
import { applyDecisions } from './decisions';
import { observationFor } from './observation';
import { RunContext, type ToolInvoker } from './run-context';
import { aborted, stopConditionsFor } from './stop-conditions';
import { settleToolCalls } from './tool-calls';

/** How to run an agent. Every field is optional. */
export interface RunOptions {
  /** Overrides the agent's model: `openai:<model>`, `offline`, or a `Model`. @default agent.model ?? 'offline' */
  readonly model?: string | Model;
  /** Endpoint and key for `openai:` models, read by the caller from the environment. */
  readonly modelSettings?: ModelSettings;
  /** Where the bundled tools read and write. @default { corpusDir: '', outboxDir: '' } (tools that need them fail clearly) */
  readonly workspace?: ToolWorkspace;
  /** The run's id (the execution ARN in a workflow). @default a new uuid */
  readonly runId?: string;
  readonly sessionId?: string;
  /** Overrides the agent's maxIterations for this run. */
  readonly maxIterations?: number;
  /** Ends the run with `Stepwise.Aborted` when aborted. */
  readonly signal?: AbortSignal;
  /** Receives every event as it happens. */
  readonly onEvent?: EventListener;
  /** Called after every step with the state to commit. */
  readonly onCheckpoint?: (state: RunState) => Promise<void>;
  /** How tools are called. @default in process (`tool.execute`) */
  readonly invokeTool?: ToolInvoker;
  /** Prices on top of the defaults. */
  readonly prices?: PriceTable;
  /** Tool calls of one turn that run at the same time. @default 4 */
  readonly toolConcurrency?: number;
  /**
   * Whether a tool's calls leave this process (e.g. a Lambda function). Such a call that times out
   * may still be running, so its outcome is unknown: the run is interrupted (`Stepwise.ToolOutcomeUnknown`)
   * and the call is invoked again, with the same idempotency key, when the run resumes, instead of
   * the model hearing that it failed. Transport errors (`ToolOutcomeUnknownError`) are treated so
   * for every tool.
   * @default no tool (an in-process tool that times out was told so through its signal; the model hears of the timeout)
   */
  readonly isRemoteTool?: (tool: AnyTool) => boolean;
}

interface ResultBase {
  readonly state: RunState;
  readonly iterations: number;
  readonly usage: Usage;
  readonly costUsd: number;
  readonly model: string;
}

/** How a run (or one turn of it) ended. */
export type RunResult =
  | (ResultBase & { readonly status: typeof RunStatus.Completed; readonly answer: string })
  | (ResultBase & { readonly status: typeof RunStatus.AwaitingApproval; readonly approvals: readonly PendingApproval[] })
  | (ResultBase & {
      readonly status: typeof RunStatus.Failed;
      readonly error: { name: string; message: string };
      /**
       * The run did not fail; it stopped without an outcome (aborted, the container stopped, a tool
       * call's outcome unknown). Its state is still at the last committed step: resume it.
       */
      readonly interrupted?: true;
    });

/**
 * Runs the ReAct loop (think → act → observe) until the agent answers, needs a human, or stops.
 * Pass a task to start, or a `RunState` (with decisions recorded on it) to resume.
 *
 * @example
 * let result = await runAgent(research, 'How do cities use battery storage?', { onEvent: console.log });
 * if (result.status === 'AWAITING_APPROVAL') {
 *   result.state.approve(result.approvals[0].approvalId);
 *   result = await runAgent(research, result.state);
 * }
 */
export async function runAgent(agent: Agent, input: string | RunState, options: RunOptions = {}): Promise<RunResult> {
  const state = typeof input === 'string' ? startState(agent, input, options) : input;
  if (state.agent !== agent.name) {
    throw new InvalidInputError(`This run state belongs to agent "${state.agent}", not "${agent.name}"`, { field: 'agent' });
  }
  const model = resolveModel(options.model ?? agent.model, agent, options.modelSettings);
  const events = new EventStream();
  if (options.onEvent) events.subscribe(options.onEvent);
  const context = new RunContext(
    agent,
    state,
    model,
    options.workspace ?? { corpusDir: '', outboxDir: '' },
    options.invokeTool ?? ((tool, args, toolContext) => Promise.resolve(tool.execute(args, toolContext))),
    { ...defaultPrices, ...options.prices },
    options.toolConcurrency ?? Defaults.toolConcurrency,
    events,
    options.signal,
    options.onCheckpoint,
    options.isRemoteTool ?? (() => false),
  );
  if (state.status === RunStatus.Completed || state.status === RunStatus.Failed) return resultOf(context);
  const resumed = state.status === RunStatus.AwaitingApproval || state.messages.length > 1 || state.iterations > 0;
  if (state.status === RunStatus.AwaitingApproval) {
    // Resumed without every decision (a lost answer, an engine that died after the pause was
    // committed): ask again for the same approvals, same ids, instead of failing the run.
    if (undecidedApprovals(context.state).length > 0) return pauseAgain(context);
    await applyDecisions(context);
  }
  state.mutable.status = 'RUNNING';
  await context.emit({ type: EventType.RunStarted, task: state.task, model: model.id, resumed });
  try {
    return await loop(context, options.maxIterations ?? agent.maxIterations);
  } catch (error) {
    return finishFailed(context, error);
  }
}

function startState(agent: Agent, task: string, options: RunOptions): RunState {
  if (typeof task !== 'string' || task.trim() === '') throw new InvalidInputError('The task is empty: say what the agent should do', { field: 'task' });
  return RunState.start({ agent: agent.name, task, runId: options.runId, sessionId: options.sessionId });
}

async function loop(context: RunContext, maxIterations: number): Promise<RunResult> {
  const data = context.state.mutable;
  const stops = stopConditionsFor(context.agent, context.signal, maxIterations);
  for (;;) {
    const pending = unansweredCalls(data.messages);
    if (pending.calls.length > 0) {
      const abortedBefore = aborted(context.signal)(context.state, 0);
      if (abortedBefore) return finishFailed(context, abortedBefore);
      const { approvals, interrupted } = await settleToolCalls(context, pending.calls, pending.reasoning);
      const abortedDuring = aborted(context.signal)(context.state, 0);
      if (abortedDuring) return finishFailed(context, abortedDuring);
      if (interrupted) return finishFailed(context, interrupted);
      const waiting = pending.calls.some((call) => data.ledger[call.id]?.status === 'awaiting_approval');
      if (waiting) return pause(context, approvals);
      for (const call of pending.calls) {
        data.messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: observationFor(data.ledger[call.id]) });
      }
      await context.checkpoint();
    }
    const stop = stops.map((condition) => condition(context.state, context.activeMs())).find(Boolean);
    if (stop) return finishFailed(context, stop);
    data.iterations += 1;
    const response = await callModel(context);
    const usage = addUsage(data.usage, response.usage);
    data.usage = usage;
    data.usageByModel[response.model] = addUsage(data.usageByModel[response.model] ?? { inputTokens: 0, outputTokens: 0 }, response.usage);
    data.costUsd += costOf(response.model, response.usage, context.prices);
    await context.emit({ type: EventType.UsageUpdated, usage, costUsd: data.costUsd });
    if (context.agent.toolCalling === ToolCallingMode.Text) {
      const parsed = parseTextResponse(response.text);
      if (parsed.kind === 'final') return finishCompleted(context, parsed.answer, parsed.thought);
      if (parsed.kind === 'malformed') {
        await context.emit({ type: EventType.ModelStep, thought: parsed.thought, toolCalls: [], final: false });
        data.messages.push({ role: 'assistant', content: response.text });
        data.messages.push({ role: 'user', content: `Observation: your reply did not follow the format. ${parsed.problem}` });
      } else {
        const [call] = uniqueCallIds(context, [{ id: `text_${data.iterations}`, name: parsed.tool, arguments: JSON.stringify(parsed.input) }]);
        await context.emit({ type: EventType.ModelStep, thought: parsed.thought, toolCalls: [{ id: call.id, name: call.name }], final: false });
        data.messages.push({ role: 'assistant', content: response.text, toolCalls: [call] });
      }
    } else if (response.toolCalls.length > 0) {
      const calls = uniqueCallIds(context, response.toolCalls);
      await context.emit({ type: EventType.ModelStep, thought: response.text, toolCalls: calls.map(({ id, name }) => ({ id, name })), final: false });
      data.messages.push({ role: 'assistant', content: response.text, toolCalls: calls });
    } else if (response.text.trim() === '') {
      data.messages.push({ role: 'assistant', content: '' });
      data.messages.push({ role: 'user', content: 'Your reply was empty. Call a tool, or give your final answer as text.' });
    } else {
      return finishCompleted(context, response.text, '');
    }
    await context.checkpoint();
  }
}

async function callModel(context: RunContext) {
  const controller = new AbortController();
  const forward = (): void => controller.abort(context.signal?.reason);
  context.signal?.addEventListener('abort', forward, { once: true });
  // A model call may not outlive the duration budget: abort it when the budget runs out.
  const remaining = context.agent.budget.maxDurationMs !== undefined ? context.agent.budget.maxDurationMs - context.activeMs() : undefined;
  const timer = remaining !== undefined ? setTimeout(() => controller.abort(new Error('duration budget reached')), Math.max(0, remaining)) : undefined;
  try {
    return await context.model.generate(buildRequest(context, controller.signal));
  } catch (error) {
    const stop = stopConditionsFor(context.agent, context.signal, Number.POSITIVE_INFINITY).map((condition) => condition(context.state, context.activeMs())).find(Boolean);
    if (stop) throw stop;
    if (error instanceof StepwiseError) throw error;
    throw new ModelError(context.model.id, (error as Error)?.message ?? String(error), { cause: error });
  } finally {
    clearTimeout(timer);
    context.signal?.removeEventListener('abort', forward);
  }
}

async function pause(context: RunContext, approvals: PendingApproval[]): Promise<RunResult> {
  const data = context.state.mutable;
  data.pendingApprovals = approvals;
  data.status = RunStatus.AwaitingApproval;
  for (const approval of approvals) {
    await context.emit({ type: EventType.ApprovalRequested, approvalId: approval.approvalId, callId: approval.callId, tool: approval.tool, args: approval.args, reasoning: approval.reasoning });
  }
  await context.emit({ type: EventType.RunPaused, status: RunStatus.AwaitingApproval, pendingApprovals: approvals.length });
  await context.checkpoint();
  return resultOf(context);
}

/** Pending approvals the state has no decision for yet. */
function undecidedApprovals(state: RunState): PendingApproval[] {
  const decided = new Set(state.decisions.map((decision) => decision.approvalId));
  return state.pendingApprovals.filter((approval) => !decided.has(approval.approvalId));
}

/** Reports the still undecided approvals of a paused run again, keeping any decisions that did arrive. */
async function pauseAgain(context: RunContext): Promise<RunResult> {
  const undecided = undecidedApprovals(context.state);
  for (const approval of undecided) {
    await context.emit({ type: EventType.ApprovalRequested, approvalId: approval.approvalId, callId: approval.callId, tool: approval.tool, args: approval.args, reasoning: approval.reasoning, repeated: true });
  }
  await context.emit({ type: EventType.RunPaused, status: RunStatus.AwaitingApproval, pendingApprovals: undecided.length });
  await context.checkpoint();
  return resultOf(context);
}

async function finishCompleted(context: RunContext, answer: string, thought: string): Promise<RunResult> {
  const data = context.state.mutable;
  await context.emit({ type: EventType.ModelStep, thought, toolCalls: [], final: true });
  data.messages.push({ role: 'assistant', content: answer });
  data.answer = answer;
  data.status = RunStatus.Completed;
  await context.checkpoint();
  await context.emit({ type: EventType.RunCompleted, answer, usage: data.usage, costUsd: data.costUsd });
  return resultOf(context);
}

/** Stops that are not an outcome of the run: it continues from its last committed step when resumed. */
const isInterruption = (error: unknown): error is StepwiseError =>
  error instanceof RunAbortedError || error instanceof ContainerStoppedError || error instanceof ToolOutcomeUnknownError;

async function finishFailed(context: RunContext, error: unknown): Promise<RunResult> {
  const data = context.state.mutable;
  if (isInterruption(error)) {
    // Nothing is committed: the last checkpoint stays RUNNING, so a retried container, a redrive
    // or an in-process resume of this state continues from it instead of finding a failed run.
    const described = describeError(error);
    await context.emit({ type: EventType.RunInterrupted, error: described });
    return { ...resultBase(context), status: RunStatus.Failed, error: described, interrupted: true };
  }
  data.error = describeError(error);
  data.status = RunStatus.Failed;
  try {
    await context.checkpoint();
  } finally {
    await context.emit({ type: EventType.RunFailed, error: data.error });
  }
  return resultOf(context);
}

function resultBase(context: RunContext): ResultBase {
  const data = context.state.mutable;
  return { state: context.state, iterations: data.iterations, usage: { ...data.usage }, costUsd: data.costUsd, model: context.model.id };
}

function resultOf(context: RunContext): RunResult {
  const data = context.state.mutable;
  const base = resultBase(context);
  if (data.status === RunStatus.Completed) return { ...base, status: RunStatus.Completed, answer: data.answer ?? '' };
  if (data.status === RunStatus.AwaitingApproval) return { ...base, status: RunStatus.AwaitingApproval, approvals: undecidedApprovals(context.state) };
  return { ...base, status: RunStatus.Failed, error: data.error ?? { name: 'Stepwise.InternalError', message: 'the run ended without a result' } };
}
