import { randomUUID } from 'node:crypto';
import { DecisionOutcome, RunStatus } from './constants';
import { ApprovalDecisionError, RunStateError } from './errors';
import { noResources, type ResourceUsage } from './cost';
import type { StepwiseEvent } from './events';
import type { Message, Usage } from './model';

/** The version of the serialized run state this code reads and writes. */
export const RUN_STATE_SCHEMA_VERSION = 1;

/** Where one tool call is in its life. */
export type LedgerStatus = 'awaiting_approval' | 'started' | 'completed' | 'failed' | 'rejected';

/** One tool call, recorded so that a resumed run never runs a completed call again. */
export interface LedgerEntry {
  readonly callId: string;
  /** `runId:callId`: stable across retries and container restarts; side effects dedupe on it. */
  readonly idempotencyKey: string;
  readonly tool: string;
  /** The arguments the call ran (or will run) with: the model's, or a human's edit. */
  args: unknown;
  status: LedgerStatus;
  readonly iteration: number;
  /** The full result; the model saw only a preview when it is large. */
  result?: unknown;
  error?: { name: string; message: string };
  approval?: { approvalId: string; outcome: DecisionOutcome; reason?: string; edited: boolean };
  startedAt?: string;
  completedAt?: string;
  durationMs?: number;
}

/** A tool call waiting for a human. */
export interface PendingApproval {
  readonly approvalId: string;
  readonly callId: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  /** What the model said it was doing when it asked for the call. */
  readonly reasoning: string;
  readonly requestedAt: string;
  readonly timeoutSeconds: number;
}

/** A decision on a pending approval, as given to `resume`. */
export type ApprovalDecision =
  | { readonly approvalId: string; readonly outcome: typeof DecisionOutcome.Approved; readonly args?: Record<string, unknown>; readonly reason?: string }
  | { readonly approvalId: string; readonly outcome: typeof DecisionOutcome.Rejected; readonly reason?: string }
  | { readonly approvalId: string; readonly outcome: typeof DecisionOutcome.Timeout; readonly reason?: string };

/** Where the run is. `RUNNING` between turns and while a container works. */
export type RunPhase = 'RUNNING' | RunStatus;

/** The serializable snapshot of a run. */
export interface RunStateData {
  readonly schemaVersion: typeof RUN_STATE_SCHEMA_VERSION;
  readonly runId: string;
  readonly agent: string;
  /** The task of the current turn of the conversation. */
  task: string;
  readonly sessionId?: string;
  status: RunPhase;
  messages: Message[];
  ledger: Record<string, LedgerEntry>;
  pendingApprovals: PendingApproval[];
  /** Decisions given but not yet applied by the runner. */
  decisions: ApprovalDecision[];
  iterations: number;
  usage: Usage;
  usageByModel: Record<string, Usage>;
  /** USD of everything priced so far (model tokens and platform); what `budget.maxCostUsd` counts. */
  costUsd: number;
  /** What the run consumed besides tokens (container, Lambda, state transitions); zero in process. */
  resources: ResourceUsage;
  /** Time spent working (model and tools), excluding approval waits; the duration budget counts this. */
  activeMs: number;
  startedAt: string;
  updatedAt: string;
  answer?: string;
  error?: { name: string; message: string };
  /** Increases with every checkpoint, so a stale writer cannot overwrite newer progress. */
  sequence: number;
  /**
   * Events of a committed step that the event log could not take (the turn then stopped): the next
   * turn records them first, so a step is never committed without its events reaching the log.
   */
  unannounced?: StepwiseEvent[];
}

const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });

/**
 * A run's state: conversation, tool-call ledger, pending approvals, usage and cost. Serializable
 * with `toJSON`/`fromJSON`; decide pending approvals with `approve`/`reject`/`timeout`.
 *
 * @example
 * const state = RunState.fromJSON(JSON.parse(saved));
 * state.approve(state.pendingApprovals[0].approvalId, { reason: 'looks good' });
 * const result = await runAgent(agent, state);
 */
export class RunState {
  private constructor(private readonly data: RunStateData) {}

  /** A new run of `agent` on `task`. */
  static start(options: { agent: string; task: string; runId?: string; sessionId?: string }): RunState {
    const now = new Date().toISOString();
    return new RunState({
      schemaVersion: RUN_STATE_SCHEMA_VERSION,
      runId: options.runId ?? `run-${randomUUID()}`,
      agent: options.agent,
      task: options.task,
      sessionId: options.sessionId,
      status: 'RUNNING',
      messages: [{ role: 'user', content: options.task }],
      ledger: {},
      pendingApprovals: [],
      decisions: [],
      iterations: 0,
      usage: emptyUsage(),
      usageByModel: {},
      costUsd: 0,
      resources: noResources(),
      activeMs: 0,
      startedAt: now,
      updatedAt: now,
      sequence: 0,
    });
  }

  /**
   * Continues the conversation of an earlier, finished run with a follow-up task (memory across
   * executions): the messages and ledger carry over, counters start afresh.
   */
  static continueSession(previous: RunState, options: { task: string; runId?: string }): RunState {
    if (previous.status === RunStatus.AwaitingApproval) {
      throw new RunStateError(`Session run ${previous.runId} is still waiting for approval; decide it before starting a follow-up`);
    }
    const next = RunState.start({ agent: previous.agent, task: options.task, runId: options.runId, sessionId: previous.data.sessionId });
    next.data.messages = [...structuredClone(previous.data.messages), { role: 'user', content: options.task }];
    next.data.ledger = structuredClone(previous.data.ledger);
    return next;
  }

  /** Reads a serialized state, refusing versions this code does not know. */
  static fromJSON(json: unknown): RunState {
    if (typeof json !== 'object' || json === null) throw new RunStateError('Run state must be a JSON object');
    const data = json as Partial<RunStateData>;
    if (data.schemaVersion !== RUN_STATE_SCHEMA_VERSION) {
      throw new RunStateError(
        `Run state schemaVersion ${String(data.schemaVersion)} is not supported (this version of Stepwise reads ${RUN_STATE_SCHEMA_VERSION})`,
      );
    }
    for (const field of ['runId', 'agent', 'messages', 'ledger', 'pendingApprovals', 'usage'] as const) {
      if (data[field] === undefined) throw new RunStateError(`Run state is missing "${field}"`);
    }
    return new RunState(structuredClone({ decisions: [], usageByModel: {}, activeMs: 0, sequence: 0, ...data, resources: { ...noResources(), ...data.resources } }) as RunStateData);
  }

  toJSON(): RunStateData {
    return structuredClone(this.data);
  }

  get runId(): string { return this.data.runId; }
  get agent(): string { return this.data.agent; }
  get task(): string { return this.data.task; }
  get sessionId(): string | undefined { return this.data.sessionId; }
  get status(): RunPhase { return this.data.status; }
  get messages(): readonly Message[] { return this.data.messages; }
  get ledger(): Readonly<Record<string, LedgerEntry>> { return this.data.ledger; }
  get pendingApprovals(): readonly PendingApproval[] { return this.data.pendingApprovals; }
  get decisions(): readonly ApprovalDecision[] { return this.data.decisions; }
  get iterations(): number { return this.data.iterations; }
  get usage(): Usage { return { ...this.data.usage }; }
  get usageByModel(): Readonly<Record<string, Usage>> { return this.data.usageByModel; }
  get costUsd(): number { return this.data.costUsd; }
  get resources(): Readonly<ResourceUsage> { return this.data.resources; }
  get activeMs(): number { return this.data.activeMs; }
  get answer(): string | undefined { return this.data.answer; }
  get error(): { name: string; message: string } | undefined { return this.data.error; }
  get sequence(): number { return this.data.sequence; }

  /** Approves a pending call, optionally with edited arguments (validated against the tool's schema on resume). */
  approve(approvalId: string, options: { args?: Record<string, unknown>; reason?: string } = {}): this {
    return this.decide({ approvalId, outcome: DecisionOutcome.Approved, args: options.args, reason: options.reason });
  }

  /** Rejects a pending call; the model sees `rejected by human operator: <reason>`. */
  reject(approvalId: string, reason?: string): this {
    return this.decide({ approvalId, outcome: DecisionOutcome.Rejected, reason });
  }

  /** Records that nobody decided a pending call in time. */
  timeout(approvalId: string): this {
    return this.decide({ approvalId, outcome: DecisionOutcome.Timeout, reason: 'no decision before the approval timed out' });
  }

  /** Records any decision; an unknown or already decided approval id is an error naming it. */
  decide(decision: ApprovalDecision): this {
    if (!this.data.pendingApprovals.some((pending) => pending.approvalId === decision.approvalId)) {
      const known = this.data.pendingApprovals.map((pending) => pending.approvalId).join(', ') || '(none)';
      throw new ApprovalDecisionError(`No pending approval "${decision.approvalId}". Pending: ${known}`, { approvalId: decision.approvalId });
    }
    if (this.data.decisions.some((existing) => existing.approvalId === decision.approvalId)) {
      throw new ApprovalDecisionError(`Approval "${decision.approvalId}" was already decided`, { approvalId: decision.approvalId });
    }
    this.data.decisions.push(structuredClone(decision));
    return this;
  }

  /** Mutable access for the runner; not part of the public API. @internal */
  get mutable(): RunStateData {
    return this.data;
  }
}
