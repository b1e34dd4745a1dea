import { randomUUID } from 'node:crypto';
import { DecisionOutcome } from '../constants';
import { RunAbortedError, StepwiseError, ToolArgumentsError, ToolNotFoundError, ToolOutcomeUnknownError, ToolTimeoutError, describeError } from '../errors';
import { EventType } from '../events';
import type { ModelToolCall } from '../model';
import type { LedgerEntry, PendingApproval } from '../run-state';
import { toolContextFor, toolNeedsApproval, type AnyTool, type ApprovalOutcome } from '../tool';
import { mapBounded } from './concurrency';
import { previewOf } from './observation';
import type { RunContext } from './run-context';

/** What settling the calls of one assistant turn left to do. */
export interface SettledCalls {
  /** Calls that wait for a human. */
  readonly approvals: PendingApproval[];
  /** Set when a call's outcome is unknown: it stays `started` and the turn must end so it is invoked again. */
  readonly interrupted?: StepwiseError;
}

/**
 * Settles the tool calls of one assistant turn: runs what can run (concurrently, bounded),
 * records every known outcome in the ledger, and returns the calls that wait for a human.
 * A call already completed in the ledger is never run again.
 */
export async function settleToolCalls(context: RunContext, calls: readonly ModelToolCall[], reasoning: string): Promise<SettledCalls> {
  const runnable: { entry: LedgerEntry; tool: AnyTool }[] = [];
  const approvals: PendingApproval[] = [];
  for (const call of calls) {
    const existing = context.state.ledger[call.id];
    if (existing && ['completed', 'failed', 'rejected'].includes(existing.status)) continue;
    if (existing?.status === 'awaiting_approval') continue; // still waiting: decided ones were moved on by applyDecisions
    if (existing?.status === 'started') {
      // Started before a crash: run again with the same idempotency key so side effects dedupe.
      const tool = context.findTool(existing.tool);
      if (tool) runnable.push({ entry: existing, tool });
      continue;
    }
    const prepared = await prepareCall(context, call);
    if (!prepared) continue;
    if (await needsApproval(context, prepared.tool, prepared.entry.args)) {
      prepared.entry.status = 'awaiting_approval';
      approvals.push({
        approvalId: `apv-${randomUUID()}`,
        callId: call.id,
        tool: prepared.tool.name,
        args: prepared.entry.args as Record<string, unknown>,
        reasoning,
        requestedAt: new Date().toISOString(),
        timeoutSeconds: context.agent.approval.timeoutSeconds,
      });
      continue;
    }
    runnable.push(prepared);
  }
  let interrupted: StepwiseError | undefined;
  // Exactly once: a call with side effects is durably marked started (with the model step that
  // asked for it) before it runs, so a resumed run invokes it again with its idempotency key rather
  // than forgetting it. Read-only tools (`sideEffects: false`) skip this write.
  if (runnable.some(({ tool }) => tool.sideEffects)) await context.checkpoint();
  if (runnable.length > 0) {
    // A call still queued when the run is aborted (or another call's outcome turned out unknown)
    // never starts; it stays `started` and unrun, so a resumed run invokes it (with its
    // idempotency key) instead of skipping it.
    await mapBounded(runnable, context.toolConcurrency, async ({ entry, tool }) => {
      if (context.signal?.aborted || interrupted) return;
      interrupted ??= await executeCall(context, entry, tool);
    });
  }
  return { approvals, ...(interrupted ? { interrupted } : {}) };
}

/** Parses and validates a new call; failures are recorded as observations the model can correct. */
async function prepareCall(context: RunContext, call: ModelToolCall): Promise<{ entry: LedgerEntry; tool: AnyTool } | undefined> {
  const entry: LedgerEntry = {
    callId: call.id,
    idempotencyKey: `${context.state.runId}:${call.id}`,
    tool: call.name,
    args: undefined,
    status: 'started',
    iteration: context.state.iterations,
  };
  context.state.mutable.ledger[call.id] = entry;
  const tool = context.findTool(call.name);
  if (!tool) {
    return void (await fail(context, entry, new ToolNotFoundError(call.name, context.agent.tools.map((t) => t.name))));
  }
  let raw: unknown;
  try {
    raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (error) {
    entry.args = call.arguments;
    const problem = new ToolArgumentsError(call.name, [{ field: '(root)', message: `arguments are not valid JSON (${(error as Error).message}); send one JSON object` }]);
    return void (await fail(context, entry, problem));
  }
  entry.args = raw;
  try {
    entry.args = tool.parse(raw);
  } catch (error) {
    return void (await fail(context, entry, error));
  }
  return { entry, tool };
}

async function needsApproval(context: RunContext, tool: AnyTool, args: unknown): Promise<boolean> {
  return context.agent.approval.tools.includes(tool.name) || (await toolNeedsApproval(tool, args));
}

async function fail(context: RunContext, entry: LedgerEntry, error: unknown): Promise<void> {
  entry.status = 'failed';
  entry.error = describeError(error);
  entry.completedAt = new Date().toISOString();
  await context.emit({ type: EventType.ToolFailed, callId: entry.callId, tool: entry.tool, durationMs: 0, error: entry.error, args: entry.args });
}

/**
 * Whether nobody knows if the call happened: the request failed in transit, a call that left this
 * process timed out (it may still run), or the run was stopped while the call was under way.
 */
function outcomeUnknown(context: RunContext, tool: AnyTool, error: unknown): StepwiseError | undefined {
  if (error instanceof ToolOutcomeUnknownError || error instanceof RunAbortedError) return error;
  if (context.signal?.aborted) return new RunAbortedError(`while tool "${tool.name}" was running`);
  if (error instanceof ToolTimeoutError && context.isRemoteTool(tool)) {
    return new ToolOutcomeUnknownError(tool.name, `Tool "${tool.name}" did not answer within ${tool.timeoutMs} ms and may still be running; it will be invoked again with the same idempotency key`, { cause: error });
  }
  return undefined;
}

/**
 * Runs one call with its timeout and commits its outcome (the caller committed it as started
 * before, if it has side effects). When the outcome is unknown, the call stays `started` and the
 * reason is returned: the turn must end so the call is invoked again with the same key.
 */
export async function executeCall(context: RunContext, entry: LedgerEntry, tool: AnyTool): Promise<StepwiseError | undefined> {
  entry.status = 'started';
  entry.startedAt = new Date().toISOString();
  await context.emit({ type: EventType.ToolCalled, callId: entry.callId, tool: tool.name, args: entry.args });
  const started = performance.now();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(context.signal?.reason);
  if (context.signal?.aborted) onAbort();
  else context.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const approval: ApprovalOutcome | undefined = entry.approval
      ? { approved: entry.approval.outcome === DecisionOutcome.Approved, outcome: entry.approval.outcome, reason: entry.approval.reason }
      : undefined;
    const call = { callId: entry.callId, idempotencyKey: entry.idempotencyKey, executionId: context.state.runId, signal: controller.signal, approval, meter: context.toolMeter };
    const invocation = context.invokeTool(tool, entry.args, toolContextFor(tool.name, call, context.toolContext));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new ToolTimeoutError(tool.name, tool.timeoutMs));
        reject(new ToolTimeoutError(tool.name, tool.timeoutMs));
      }, tool.timeoutMs);
    });
    // A stopped run does not wait for a call that ignores its signal: ECS kills a stopped task
    // within seconds, and the turn must be handed back before that. The call stays `started`.
    const stopped = new Promise<never>((_, reject) => {
      const stop = (): void => reject(new RunAbortedError(`while tool "${tool.name}" was running`));
      if (context.signal?.aborted) stop();
      else context.signal?.addEventListener('abort', stop, { once: true });
    });
    stopped.catch(() => undefined);
    const result = await Promise.race([invocation, timeout, stopped]);
    entry.durationMs = Math.round(performance.now() - started);
    entry.status = 'completed';
    entry.result = result;
    entry.completedAt = new Date().toISOString();
  } catch (error) {
    const unknown = outcomeUnknown(context, tool, error);
    if (unknown) return unknown;
    entry.durationMs = Math.round(performance.now() - started);
    entry.status = 'failed';
    entry.error = error instanceof StepwiseError || error instanceof Error ? describeError(error) : { name: 'Error', message: String(error) };
    entry.completedAt = new Date().toISOString();
  } finally {
    clearTimeout(timer);
    context.signal?.removeEventListener('abort', onAbort);
  }
  // Commit first, then announce: an event never reports a call the journal has not recorded. The
  // outcome is written now and synced with the next commit (the next step's, when the model
  // answers at once) or a few ms later: its loss in a machine crash leaves the call started, so it
  // is invoked again with its idempotency key, as after a kill just before this write.
  await context.checkpoint({ deferSync: true });
  if (entry.status === 'completed') {
    await context.announce({ type: EventType.ToolCompleted, callId: entry.callId, tool: tool.name, durationMs: entry.durationMs ?? 0, preview: previewOf(entry.result, entry.callId, 300) });
  } else {
    await context.announce({ type: EventType.ToolFailed, callId: entry.callId, tool: tool.name, durationMs: entry.durationMs ?? 0, error: entry.error ?? { name: 'Error', message: 'the tool failed' } });
  }
  return undefined;
}
