import { DecisionOutcome, RunState, foldJournal, type CheckpointStore, type LedgerEntry } from '../../framework/internal';
import { ExecutionStatus } from '../constants';
import type { ExecutionRecord } from '../executions/types';
import { functionNameOf } from './lambda-registry';

/**
 * A tool function whose calls may need a human's approval. The engine serves tools through its
 * Lambda API so that the agent container can invoke them; anyone else who can reach the port
 * (`aws lambda invoke`, a script, an envelope copied from a log) could invoke them too. For such a
 * function the engine checks, before it runs, that the call is the one a human approved.
 */
export interface GatedTool {
  /** The tool's name, as the run state's ledger records its calls. */
  readonly tool: string;
  /** Whether the tool runs after a rejection too (it is told so, e.g. to report it). */
  readonly handlesRejection: boolean;
  /**
   * Whether this call needs approval: in an execution of `stateMachine` (its agent's policy), or,
   * with `stateMachine` undefined (a call outside any running execution), for any agent that has
   * the tool. Invalid arguments need none: the tool's handler refuses them without running.
   */
  needsApproval(args: unknown, stateMachine: string | undefined): Promise<boolean>;
}

/** What the gate needs from the engine. */
export interface ApprovalGateOptions {
  /**
   * Gated tools by function name, or the gated tool a function is in the execution that invokes it
   * (an execution keeps the tools of the code version it started on).
   */
  readonly tools: Readonly<Record<string, GatedTool>> | ((functionName: string, executionArn: string | undefined) => GatedTool | undefined);
  /** The execution with this ARN, if the engine has one. */
  readonly execution: (executionArn: string) => ExecutionRecord | undefined;
  /** Where the agent container keeps each execution's run state (and so its tool-call ledger). */
  readonly checkpoints: CheckpointStore;
}

/** Says why an invocation may not run, or `undefined` when it may. */
export type ApprovalGate = (functionName: string, event: unknown) => Promise<string | undefined>;

interface Invocation {
  readonly arguments: Record<string, unknown>;
  readonly callId: string;
  readonly idempotencyKey: string;
  readonly executionId: string;
  readonly approval?: { readonly approved?: unknown; readonly outcome?: unknown };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function invocationOf(event: unknown): Invocation | undefined {
  if (!isObject(event) || !isObject(event.arguments)) return undefined;
  const { callId, idempotencyKey, executionId, approval } = event;
  if (typeof callId !== 'string' || typeof idempotencyKey !== 'string' || typeof executionId !== 'string') return undefined;
  if (approval !== undefined && !isObject(approval)) return undefined;
  return event as unknown as Invocation;
}

/** JSON with sorted keys: the same value however its keys were ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** The ledger entry of a call as the container last committed it. */
async function ledgerEntry(checkpoints: CheckpointStore, executionArn: string, callId: string): Promise<LedgerEntry | undefined> {
  const stored = await checkpoints.load(executionArn);
  if (!stored) return undefined;
  // Read only: the journal folded into the state, without becoming one of its writers.
  const ledger = RunState.fromJSON(foldJournal(executionArn, stored)).ledger;
  return Object.hasOwn(ledger, callId) ? ledger[callId] : undefined;
}

/** Why the approved call in the ledger is not this invocation, or undefined when it is. */
function mismatch(gated: GatedTool, entry: LedgerEntry | undefined, invocation: Invocation, where: string): string | undefined {
  if (!entry) return `${where} has no call ${invocation.callId}`;
  if (entry.tool !== gated.tool) return `call ${invocation.callId} of ${where} is a call of ${entry.tool}`;
  if (!entry.approval) return `call ${invocation.callId} of ${where} was not approved (it is ${entry.status === 'awaiting_approval' ? 'still waiting for a decision' : entry.status})`;
  const outcome = entry.approval.outcome;
  if (outcome !== DecisionOutcome.Approved && !gated.handlesRejection) return `call ${invocation.callId} of ${where} was ${outcome === DecisionOutcome.Timeout ? 'not decided in time' : 'rejected'}`;
  if (invocation.approval?.outcome !== outcome || invocation.approval?.approved !== (outcome === DecisionOutcome.Approved)) {
    return `the invocation says the call was ${String(invocation.approval?.outcome ?? 'never decided')}, but its decision is ${outcome}`;
  }
  if (entry.status !== 'started') return `call ${invocation.callId} of ${where} is ${entry.status}, not about to run`;
  if (entry.idempotencyKey !== invocation.idempotencyKey) return `the idempotency key is not the call's (${entry.idempotencyKey})`;
  if (canonical(entry.args) !== canonical(invocation.arguments)) return 'the arguments are not the ones approved';
  return undefined;
}

/**
 * The approval check of the engine's Lambda API. An invocation of a gated tool that needs approval
 * runs only when the execution it names is running and its run state (the checkpoint the container
 * commits before it invokes a tool) holds that very call, with an approved decision, marked as
 * about to run, with the same idempotency key and exactly the same arguments. Everything else —
 * a call by hand, one forged or replayed from a finished run, different arguments — is refused.
 *
 * @example
 * const gate = approvalGate({ tools, execution: (arn) => manager.find(arn), checkpoints: stores.checkpoints });
 * const refusal = await gate('publish_report', event); // 'publish_report runs only as a call a human approved: …'
 */
export function approvalGate(options: ApprovalGateOptions): ApprovalGate {
  return async (functionName, event) => {
    const name = functionNameOf(functionName);
    const invocation = invocationOf(event);
    const tools = options.tools;
    const gated = typeof tools === 'function' ? tools(name, invocation?.executionId) : Object.hasOwn(tools, name) ? tools[name] : undefined;
    if (!gated) return undefined;
    const execution = invocation ? options.execution(invocation.executionId) : undefined;
    const running = execution?.status === ExecutionStatus.Running ? execution : undefined;
    // The tool handler takes an envelope, or the tool's arguments alone (a direct invocation): judge the arguments it would run with.
    const enveloped = isObject(event) && (Object.hasOwn(event, 'arguments') || Object.hasOwn(event, 'callId'));
    const args = enveloped ? event.arguments : event;
    if (!(await gated.needsApproval(args, running?.stateMachineName))) return undefined;
    const refuse = (why: string) => `${gated.tool} runs only as a call a human approved, in the execution that holds the approval: ${why}. Approve the call (stepwise approvals) and let its agent run it.`;
    if (!invocation) return refuse('this is not a tool invocation ({ arguments, callId, idempotencyKey, executionId })');
    if (!execution) return refuse(`"${invocation.executionId}" is not an execution of this engine`);
    if (!running) return refuse(`execution ${execution.executionArn} is ${execution.status}`);
    const problem = mismatch(gated, await ledgerEntry(options.checkpoints, running.executionArn, invocation.callId), invocation, `execution ${running.executionArn}`);
    return problem ? refuse(problem) : undefined;
  };
}
