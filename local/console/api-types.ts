/**
 * What the console's own JSON API (`/console/api/…`) answers, shared by the engine that serves it
 * and the page that reads it. Types only: the page's bundle imports nothing from Node.
 */

/** A JSON Schema object (a tool's parameters, the execution input). */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

/** When a tool's calls need a human: always, never, or depending on the arguments. */
export type ToolApprovalRule = 'always' | 'never' | 'depends';

/** A tool as the console shows it and builds its edit form. */
export interface ConsoleTool {
  readonly name: string;
  readonly description: string;
  readonly approval: ToolApprovalRule;
  /** The strict JSON Schema the model sees (and the edit form is generated from). */
  readonly parameters: JsonSchemaObject;
}

/** An agent the console can start. */
export interface ConsoleAgent {
  readonly name: string;
  readonly description: string;
  readonly stateMachineArn: string;
  readonly tools: readonly ConsoleTool[];
}

/** `GET /console/api/agents` */
export interface AgentsResponse {
  readonly agents: readonly ConsoleAgent[];
  /** The schema StartExecution's input is validated with, so the Start form checks the same rules. */
  readonly executionInputSchema: JsonSchemaObject;
}

/** One execution in the runs list. Times are epoch milliseconds. */
export interface RunSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly agent: string;
  /** The task of the execution input (cut to 300 characters), or empty when the input has none. */
  readonly task: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number;
  /** Model/tool iterations so far (from the output once it ended, else from the progress events). */
  readonly iterations: number;
  /** `null` when the model has no price. */
  readonly costUsd: number | null;
  readonly pendingApprovals: number;
  readonly error?: string;
  readonly redriveCount: number;
}

/** `GET /console/api/runs` */
export interface RunsResponse {
  readonly runs: readonly RunSummary[];
  /** How many executions there are in all (`runs` holds the newest, up to the limit). */
  readonly total: number;
}

/** A pending approval as the console sees it: everything but the task token. */
export interface ConsoleApproval {
  readonly approvalId: string;
  readonly executionArn: string;
  readonly agent: string;
  readonly callId: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly reasoning: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  /** The tool's parameters, when the engine knows the tool (then edits are possible). */
  readonly parameters?: JsonSchemaObject;
}

/** `GET /console/api/approvals` */
export interface ApprovalsResponse {
  readonly approvals: readonly ConsoleApproval[];
  /** The engine's clock when it answered (ISO-8601), so time left does not depend on the browser's clock. */
  readonly now: string;
}

/** `POST /console/api/approvals/{approvalId}/decision` */
export type DecisionRequest =
  | { readonly decision: 'approve'; readonly args?: Record<string, unknown>; readonly reason?: string }
  | { readonly decision: 'reject'; readonly reason: string };

/** What the decision route answers. */
export interface DecisionResponse {
  readonly approvalId: string;
  readonly decision: 'approve' | 'reject';
  /** The fields whose values differ from what the model asked for. */
  readonly editedFields: readonly string[];
}

/** The error body of every console route. */
export interface ConsoleErrorBody {
  readonly __type: string;
  readonly message: string;
  /** For invalid edits: each field and what is wrong with it. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
}
