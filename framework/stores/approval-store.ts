import { InvalidInputError } from '../errors';
import type { PendingApproval } from '../run-state';
import { assertStoreKey } from './key-encoding';
import { cloneJson, isJsonObject } from './json';
import { isPayloadRef } from './payload-store';

/**
 * A tool call waiting for a human, as the approval store keeps it: the run state's
 * `PendingApproval` (minus its timeout, resolved to `expiresAt`) plus where to send the decision.
 * Small arguments are kept inline (`args`); long ones by reference (`argsRef` to the payload store,
 * `argsPreview` for people), so a record stays far below a DynamoDB item's 400 KB.
 */
export interface StoredApproval extends Omit<PendingApproval, 'timeoutSeconds' | 'args'> {
  /** The arguments, when they are small enough to keep inline. */
  readonly args?: Record<string, unknown>;
  /** Where the arguments are, when they are too long to keep inline. */
  readonly argsRef?: string;
  /** The start of the arguments' JSON, with `argsRef`. */
  readonly argsPreview?: string;
  /** The execution that waits (its ARN in AWS, its id in the local engine). */
  readonly executionArn: string;
  readonly agent: string;
  /** The Step Functions task token that resumes the execution with the decision. */
  readonly taskToken: string;
  /** ISO-8601 time after which the approval times out. */
  readonly expiresAt: string;
}

/** Which approvals `list` returns. */
export interface ApprovalFilter {
  /** Only the approvals of this execution. */
  readonly executionArn?: string;
}

/** Pending approvals by approval id: what is being approved and the task token that answers it. */
export interface ApprovalStore {
  /** Stores (or replaces) an approval. */
  put(approval: StoredApproval): Promise<void>;
  get(approvalId: string): Promise<StoredApproval | undefined>;
  /** Approvals ordered by `requestedAt`, then `approvalId`. */
  list(filter?: ApprovalFilter): Promise<StoredApproval[]>;
  /** Removes an approval; deleting a missing one is not an error. */
  delete(approvalId: string): Promise<void>;
}

const STRING_FIELDS = ['approvalId', 'executionArn', 'agent', 'callId', 'tool', 'reasoning', 'taskToken', 'requestedAt', 'expiresAt'] as const;
const REQUIRED_NON_EMPTY = new Set<string>(['approvalId', 'executionArn', 'agent', 'callId', 'tool', 'taskToken']);
const TIME_FIELDS = ['requestedAt', 'expiresAt'] as const;

/** Checks an approval before any store writes it, naming the field that is wrong. */
export function assertStoredApproval(approval: StoredApproval): void {
  if (!isJsonObject(approval)) throw new InvalidInputError('approval must be an object', { field: 'approval' });
  for (const field of STRING_FIELDS) {
    const value: unknown = approval[field];
    if (typeof value !== 'string' || (REQUIRED_NON_EMPTY.has(field) && value.length === 0)) {
      throw new InvalidInputError(`approval.${field} must be a ${REQUIRED_NON_EMPTY.has(field) ? 'non-empty ' : ''}string, got ${JSON.stringify(value)}`, {
        field: `approval.${field}`,
      });
    }
  }
  for (const field of TIME_FIELDS) {
    if (Number.isNaN(Date.parse(approval[field]))) {
      throw new InvalidInputError(`approval.${field} must be an ISO-8601 time, got ${JSON.stringify(approval[field])}`, { field: `approval.${field}` });
    }
  }
  if (approval.argsRef !== undefined) {
    if (!isPayloadRef(approval.argsRef)) throw new InvalidInputError('approval.argsRef must be a payload reference', { field: 'approval.argsRef' });
    if (approval.args !== undefined) throw new InvalidInputError('approval has both args and argsRef; keep exactly one', { field: 'approval.args' });
    if (approval.argsPreview !== undefined && typeof approval.argsPreview !== 'string') throw new InvalidInputError('approval.argsPreview must be a string', { field: 'approval.argsPreview' });
  } else if (!isJsonObject(approval.args)) {
    throw new InvalidInputError('approval.args must be a JSON object (or give argsRef)', { field: 'approval.args' });
  }
}

/** Reads a stored approval back, or undefined when it does not have the right shape. */
export function parseStoredApproval(value: unknown): StoredApproval | undefined {
  if (!isJsonObject(value)) return undefined;
  const byReference = isPayloadRef(value.argsRef);
  if (!byReference && !isJsonObject(value.args)) return undefined;
  for (const field of STRING_FIELDS) if (typeof value[field] !== 'string') return undefined;
  const approval = value as unknown as StoredApproval;
  return {
    approvalId: approval.approvalId,
    executionArn: approval.executionArn,
    agent: approval.agent,
    callId: approval.callId,
    tool: approval.tool,
    ...(byReference ? { argsRef: approval.argsRef, ...(typeof approval.argsPreview === 'string' ? { argsPreview: approval.argsPreview } : {}) } : { args: approval.args }),
    reasoning: approval.reasoning,
    taskToken: approval.taskToken,
    requestedAt: approval.requestedAt,
    expiresAt: approval.expiresAt,
  };
}

/** The order every store lists approvals in: oldest request first, ties by id. */
export function compareApprovals(left: StoredApproval, right: StoredApproval): number {
  return left.requestedAt.localeCompare(right.requestedAt) || (left.approvalId < right.approvalId ? -1 : left.approvalId > right.approvalId ? 1 : 0);
}

/**
 * Approvals in memory, for tests. Values are copied through JSON on the way in and out.
 *
 * @example
 * const approvals = new MemoryApprovalStore();
 * await approvals.put(approval);
 * const waiting = await approvals.list({ executionArn: approval.executionArn });
 */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly approvals = new Map<string, StoredApproval>();

  async put(approval: StoredApproval): Promise<void> {
    assertStoredApproval(approval);
    this.approvals.set(approval.approvalId, parseStoredApproval(cloneJson(approval)) as StoredApproval);
  }

  async get(approvalId: string): Promise<StoredApproval | undefined> {
    assertStoreKey(approvalId, 'approvalId');
    const approval = this.approvals.get(approvalId);
    return approval === undefined ? undefined : cloneJson(approval);
  }

  async list(filter: ApprovalFilter = {}): Promise<StoredApproval[]> {
    if (filter.executionArn !== undefined) assertStoreKey(filter.executionArn, 'filter.executionArn');
    const matching = [...this.approvals.values()].filter((approval) => filter.executionArn === undefined || approval.executionArn === filter.executionArn);
    return cloneJson(matching.sort(compareApprovals));
  }

  async delete(approvalId: string): Promise<void> {
    assertStoreKey(approvalId, 'approvalId');
    this.approvals.delete(approvalId);
  }
}
