import type { Agent } from '../agent';
import { Defaults, RunStatus, ToolCallingMode } from '../constants';
import { addUsage, billedTurnSeconds, findModelPrice, resolvePrices, type CostBreakdown, type PriceOverrides, type PriceTable } from '../cost';
import { ConfigDefinitionError, ContainerStoppedError, EventLogWriteError, InvalidInputError, RunAbortedError, RunNotFoundError, StepwiseError, ToolOutcomeUnknownError, describeError } from '../errors';
import { EventStream, EventType, type EventListener } from '../events';
import type { Model, Usage } from '../model';
import { parseTextResponse } from '../models/text-protocol';
import { chooseModel, resolveModel, type ModelSettings } from '../models/resolve';
import { RunState, type PendingApproval } from '../run-state';
import { loadRunState } from '../journal/run-store';
import type { CheckpointStore } from '../stores/checkpoint-store';
import { CheckpointConflictError } from '../stores/errors';
import type { AnyTool } from '../tool';
import { unansweredCalls, uniqueCallIds } from './conversation';
import { applyDecisions } from './decisions';
import { callModel, refuseIncomplete } from './model-call';
import { observationFor } from './observation';
import type { RunPlatform } from './platform';
import { RunContext, type ToolInvoker } from './run-context';
import { aborted, stopConditionsFor } from './stop-conditions';
import { settleToolCalls } from './tool-calls';

/** How to run an agent. Every field is optional. */
export interface RunOptions<TContext = unknown> {
  /** Overrides the agent's model: `openai:<model>`, `bedrock:<model id>`, `offline`, or a `Model`. @default agent.model ?? 'offline' */
  readonly model?: string | Model;
  /** Endpoints, key and region of the models, read by the caller from the environment. */
  readonly modelSettings?: ModelSettings;
  /**
   * What the agent's tools receive as `ctx.context` (clients, folders, settings of the application).
   * @default none: a tool that reads it fails with `ToolContextMissingError` naming the tool
   */
  readonly context?: TContext;
  /** The run's id (the execution ARN in a workflow). @default a new uuid */
  readonly runId?: string;
  readonly sessionId?: string;
  /** Overrides the agent's maxIterations for this run. */
  readonly maxIterations?: number;
  /** Ends the run with `Stepwise.Aborted` when aborted. */
  readonly signal?: AbortSignal;
  /** Receives every event as it happens, on a best-effort basis: an error it throws is ignored. */
  readonly onEvent?: EventListener;
  /**
   * Makes the run durable: each step appends what it added to the run's journal in this store
   * (key: the run id), so after a crash `runAgent(agent, { resume: runId }, { checkpointStore })`
   * continues from the last committed step, and no completed tool call runs again. A tool with side
   * effects is committed as started before it runs. Any store works: `MemoryCheckpointStore`,
   * `FileCheckpointStore`, `DynamoDbCheckpointStore`.
   * @default none: the run lives in memory only
   */
  readonly checkpointStore?: CheckpointStore;
  /**
   * The durable event log, which must record every event (clients wait on it, e.g. for an
   * approval request). When it throws, the run stops without committing anything more, as an
   * interruption (`Stepwise.EventLogUnavailable`): resumed (a retried container), it continues
   * from its last checkpoint, and an event of a committed step is recorded first.
   * @default none
   */
  readonly eventLog?: EventListener;
  /**
   * Called after every commit with the committed state (after the store's write, when there is
   * one). The state is live: serialize it (`toJSON`) if you keep it.
   */
  readonly onCheckpoint?: (state: RunState) => Promise<void>;
  /** How tools are called. @default in process (`tool.execute`) */
  readonly invokeTool?: ToolInvoker;
  /** Changes to the default price table (`defineConfig({ prices })`). */
  readonly prices?: PriceOverrides;
  /** Where the run executes, for its cost (the agent container passes one). @default none: the cost is the model's tokens */
  readonly platform?: RunPlatform;
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
  /** The whole cost in USD; null when a model that answered has no price. */
  readonly costUsd: number | null;
  /** The cost line by line. */
  readonly cost: CostBreakdown;
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
       * call's outcome unknown, the event log failed). Its state is still at the last committed step: resume it.
       */
      readonly interrupted?: true;
    });

/**
 * `runAgent`'s options: optional for an agent whose tools need no context; otherwise required,
 * with a `context` of the type its tools need (a wrong one is a compile error).
 */
export type RunAgentOptions<TContext> = unknown extends TContext
  ? [options?: RunOptions<TContext>]
  : [options: RunOptions<TContext> & { readonly context: NoInfer<TContext> }];

/** What a run starts from: a task, a run state (with decisions recorded on it), or the id of a run in `checkpointStore`. */
export type RunInput = string | RunState | { readonly resume: string };

/**
 * Runs the ReAct loop (think → act → observe) until the agent answers, needs a human, or stops.
 * Pass a task to start, a `RunState` (with decisions recorded on it) to continue, or
 * `{ resume: runId }` to continue the run a `checkpointStore` holds (after a crash, or a pause).
 *
 * @example
 * const store = new FileCheckpointStore({ directory: '.stepwise/checkpoints' });
 * let result = await runAgent(research, 'How do cities use battery storage?', { checkpointStore: store, runId: 'run-1' });
 * // …or, after a crash, from the last committed step:
 * result = await runAgent(research, { resume: 'run-1' }, { checkpointStore: store });
 * if (result.status === 'AWAITING_APPROVAL') {
 *   result.state.approve(result.approvals[0].approvalId);
 *   result = await runAgent(research, result.state, { checkpointStore: store });
 * }
 */
export async function runAgent<TContext>(agent: Agent<TContext>, input: RunInput, ...[options = {}]: RunAgentOptions<TContext>): Promise<RunResult> {
  const state = await initialState(agent, input, options);
  if (state.agent !== agent.name) {
    throw new InvalidInputError(`This run state belongs to agent "${state.agent}", not "${agent.name}"`, { field: 'agent' });
  }
  const model = resolveModel(chooseModel({ run: options.model, agent: agent.model }), agent, options.modelSettings);
  const prices = resolvePrices(options.prices);
  refuseUncountableBudget(agent, model, prices);
  const events = new EventStream();
  if (options.eventLog) events.addSink(options.eventLog);
  if (options.onEvent) events.subscribe(options.onEvent);
  const context = new RunContext(
    agent,
    state,
    model,
    options.context,
    options.invokeTool ?? ((tool, args, toolContext) => Promise.resolve(tool.execute(args, toolContext))),
    prices,
    options.toolConcurrency ?? Defaults.toolConcurrency,
    events,
    options.signal,
    { store: options.checkpointStore, key: state.runId, onCommit: options.onCheckpoint },
    options.platform,
    options.isRemoteTool ?? (() => false),
  );
  try {
    // A new durable run is stored before anything happens, so `{ resume: runId }` finds it whenever it stops.
    if (typeof input === 'string' && options.checkpointStore) await storeNewRun(context);
    return await runFrom(context, state, model, options);
  } finally {
    await context.closeJournal();
  }
}

async function storeNewRun(context: RunContext): Promise<void> {
  try {
    await context.checkpoint();
  } catch (error) {
    if (!(error instanceof CheckpointConflictError)) throw error;
    const { runId } = context.state;
    throw new InvalidInputError(
      `The checkpoint store already holds a run "${runId}": continue it with runAgent(agent, { resume: ${JSON.stringify(runId)} }, { checkpointStore }), or give this run another runId`,
      { field: 'runId', cause: error },
    );
  }
}

async function runFrom(context: RunContext, state: RunState, model: Model, options: RunOptions): Promise<RunResult> {
  const { agent } = context;
  // Counted before anything else: a container re-run after its run ended (it died before reporting) is a turn too.
  startTurn(state, options.platform);
  try {
    return await runTurnOf(context, options);
  } catch (error) {
    // The event log failed outside the loop (its start, applying decisions, re-asking approvals).
    if (error instanceof EventLogWriteError) return finishFailed(context, error);
    throw error;
  }
}

async function runTurnOf(context: RunContext, options: RunOptions): Promise<RunResult> {
  const { state, agent, model } = context;
  await context.announceUnannounced();
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

/**
 * A cost budget needs a price for the model: refused up front, before anything runs or costs.
 */
function refuseUncountableBudget(agent: Agent, model: Model, prices: PriceTable): void {
  if (agent.budget.maxCostUsd === undefined || findModelPrice(model.id, prices)) return;
  const name = model.id.replace(/^(openai|bedrock):/, '');
  throw new ConfigDefinitionError(
    `Agent "${agent.name}" has budget.maxCostUsd, but model "${model.id}" has no price, so its cost cannot be counted. ` +
      `Add its price in USD per million tokens (0 for a model you run for free): defineConfig({ prices: { models: { '${name}': { inputPerMillion: 1, outputPerMillion: 2 } } } }), or remove budget.maxCostUsd.`,
    { field: 'budget.maxCostUsd' },
  );
}

/** A new turn on the platform: it counts, the previous turn's container time is billed, and this one's starts. */
function startTurn(state: RunState, platform: RunPlatform | undefined): void {
  if (!platform) return;
  const resources = state.mutable.resources;
  resources.containerTurns += 1;
  if (!platform.container) return;
  if (resources.containerSeconds > 0) resources.containerBilledSeconds += billedTurnSeconds(resources.containerSeconds);
  resources.containerSeconds = 0;
  const { vcpu, memoryGb, architecture } = platform.container;
  resources.container = { vcpu, memoryGb, architecture };
}

async function initialState(agent: Agent, input: RunInput, options: RunOptions): Promise<RunState> {
  if (typeof input === 'string') return startState(agent, input, options);
  if (input instanceof RunState) return input;
  if (typeof input !== 'object' || input === null || typeof (input as { resume?: unknown }).resume !== 'string' || (input as { resume: string }).resume === '') {
    throw new InvalidInputError('runAgent takes a task (a string), a RunState, or { resume: runId }', { field: 'input' });
  }
  const runId = input.resume;
  if (!options.checkpointStore) {
    throw new InvalidInputError(`{ resume: "${runId}" } needs the store the run was committed to: runAgent(agent, { resume }, { checkpointStore })`, { field: 'checkpointStore' });
  }
  const state = await loadRunState(options.checkpointStore, runId);
  if (!state) throw new RunNotFoundError(runId);
  return state;
}

function startState(agent: Agent, task: string, options: RunOptions): RunState {
  if (typeof task !== 'string' || task.trim() === '') throw new InvalidInputError('The task is empty: say what the agent should do', { field: 'task' });
  return RunState.start({ agent: agent.name, task, runId: options.runId, sessionId: options.sessionId });
}

async function loop(context: RunContext, maxIterations: number): Promise<RunResult> {
  const data = context.state.mutable;
  const warned = new Set<string>();
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
      // Not committed on its own: a resumed run derives these messages from the ledger again.
      for (const call of pending.calls) {
        data.messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: observationFor(data.ledger[call.id]) });
      }
    }
    context.meter();
    const stop = stops.map((condition) => condition(context.state, context.activeMs())).find(Boolean);
    if (stop) return finishFailed(context, stop);
    data.iterations += 1;
    const response = await callModel(context);
    const usage = addUsage(data.usage, response.usage);
    data.usage = usage;
    // An endpoint may name a dated variant the table lacks: then the configured model's price counts.
    const pricedAs = !findModelPrice(response.model, context.prices) && findModelPrice(context.model.id, context.prices) ? context.model.id : response.model;
    data.usageByModel[pricedAs] = addUsage(data.usageByModel[pricedAs] ?? { inputTokens: 0, outputTokens: 0 }, response.usage);
    const cost = context.meter();
    await context.emit({ type: EventType.UsageUpdated, usage, costUsd: cost.totalUsd, cost });
    for (const unpriced of cost.model.unpriced.filter((name) => !warned.has(name))) {
      warned.add(unpriced);
      await context.emit({ type: EventType.Warning, message: unpricedWarning(unpriced) });
    }
    refuseIncomplete(context.model.id, response);
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
    // The step is committed with the next commit: before a call with side effects starts, when a
    // call settles, or when the run pauses or ends. A crash before then asks the model again.
  }
}

function unpricedWarning(model: string): string {
  const name = model.replace(/^(openai|bedrock):/, '');
  return `No price for model "${model}": the run's cost is unknown (costUsd null). Add it in USD per million tokens: defineConfig({ prices: { models: { '${name}': { inputPerMillion: …, outputPerMillion: … } } } })`;
}

async function pause(context: RunContext, approvals: PendingApproval[]): Promise<RunResult> {
  const data = context.state.mutable;
  data.pendingApprovals = approvals;
  data.status = RunStatus.AwaitingApproval;
  for (const approval of approvals) {
    await context.emit({ type: EventType.ApprovalRequested, approvalId: approval.approvalId, callId: approval.callId, tool: approval.tool, args: approval.args, reasoning: approval.reasoning });
  }
  await context.emit({ type: EventType.RunPaused, status: RunStatus.AwaitingApproval, pendingApprovals: approvals.length, ...costFields(context) });
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
  await context.emit({ type: EventType.RunPaused, status: RunStatus.AwaitingApproval, pendingApprovals: undecided.length, ...costFields(context) });
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
  await context.announce({ type: EventType.RunCompleted, answer, usage: data.usage, ...costFields(context) });
  return resultOf(context);
}

/** Stops that are not an outcome of the run: it continues from its last committed step when resumed. */
const isInterruption = (error: unknown): error is StepwiseError =>
  error instanceof RunAbortedError || error instanceof ContainerStoppedError || error instanceof ToolOutcomeUnknownError || error instanceof EventLogWriteError;

async function finishFailed(context: RunContext, error: unknown): Promise<RunResult> {
  const data = context.state.mutable;
  if (isInterruption(error)) {
    // Nothing is committed: the last checkpoint stays RUNNING, so a retried container, a redrive
    // or an in-process resume of this state continues from it instead of finding a failed run.
    const described = describeError(error);
    // A log that just failed would fail again: observers still hear of it.
    await context.emit({ type: EventType.RunInterrupted, error: described }, { observersOnly: error instanceof EventLogWriteError });
    return { ...resultBase(context), status: RunStatus.Failed, error: described, interrupted: true };
  }
  data.error = describeError(error);
  data.status = RunStatus.Failed;
  try {
    await context.checkpoint();
  } finally {
    await context.announce({ type: EventType.RunFailed, error: data.error, usage: data.usage, ...costFields(context) });
  }
  return resultOf(context);
}

/** The cost fields of the events that end a turn. */
function costFields(context: RunContext): { costUsd: number | null; cost: CostBreakdown } {
  const cost = context.meter();
  return { costUsd: cost.totalUsd, cost };
}

function resultBase(context: RunContext): ResultBase {
  const data = context.state.mutable;
  return { state: context.state, iterations: data.iterations, usage: { ...data.usage }, ...costFields(context), model: context.model.id };
}

function resultOf(context: RunContext): RunResult {
  const data = context.state.mutable;
  const base = resultBase(context);
  if (data.status === RunStatus.Completed) return { ...base, status: RunStatus.Completed, answer: data.answer ?? '' };
  if (data.status === RunStatus.AwaitingApproval) return { ...base, status: RunStatus.AwaitingApproval, approvals: undecidedApprovals(context.state) };
  return { ...base, status: RunStatus.Failed, error: data.error ?? { name: 'Stepwise.InternalError', message: 'the run ended without a result' } };
}
