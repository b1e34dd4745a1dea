import { approvalLambdaPayloadSchema, approvalRecordOf } from '../../state-machines';
import type { ApprovalStore } from '../../framework/stores';
import { LocalEngineConfigError } from '../errors';
import type { LambdaHandler } from '../lambda-api/lambda-registry';

/** Options of `createApprovalNotifier`. */
export interface ApprovalNotifierOptions {
  /** Where pending approvals are kept (approval id → task token). */
  readonly approvals: ApprovalStore;
  /** URL that receives a POST for each approval request. @default none */
  readonly webhookUrl?: string;
  /** Receives the console line announcing the request and webhook failures. */
  readonly log: (line: string) => void;
  /** Time source (tests). @default Date.now */
  readonly now?: () => number;
  /**
   * Whether a task token is that of the engine's waiting approval task for this execution and
   * approval; a request with any other token is refused and records nothing.
   * @default every token is accepted
   */
  readonly isApprovalTask?: (taskToken: string, executionArn: string, approvalId: string) => boolean;
}

/** The body POSTed to the approval webhook. */
export interface ApprovalWebhookBody {
  readonly approvalId: string;
  readonly executionArn: string;
  readonly agent: string;
  readonly tool: string;
  /** The arguments, when short enough to travel inline. */
  readonly args?: Record<string, unknown>;
  /** Where long arguments are (`GET /payloads/<ref>` on the engine), with a preview. */
  readonly argsRef?: string;
  readonly argsPreview?: string;
  readonly reasoning: string;
}

async function postWebhook(url: string, body: ApprovalWebhookBody, log: (line: string) => void): Promise<void> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (!response.ok) log(`Approval webhook ${url} answered HTTP ${response.status} for approval ${body.approvalId}; the approval still waits.`);
  } catch (error) {
    log(`Approval webhook ${url} failed for approval ${body.approvalId}: ${(error as Error).message}; the approval still waits.`);
  }
}

/**
 * The local stand-in for the approval Lambda of the `RequestApproval` state: records the pending
 * approval with its task token, prints how to answer it and POSTs it to the webhook when there is one.
 * A webhook failure is logged, never fatal: the approval can still be answered.
 *
 * @example
 * const notify = createApprovalNotifier({ approvals: stores.approvals, log: console.log });
 * const engine = await startEngine({ ..., lambdaHandlers: { [LocalDefaults.approvalNotifierFunctionName]: notify } });
 */
export function createApprovalNotifier(options: ApprovalNotifierOptions): LambdaHandler {
  if (options.webhookUrl !== undefined && !/^https?:\/\//.test(options.webhookUrl)) {
    throw new LocalEngineConfigError(`approvalWebhookUrl must be an http(s) URL, got ${JSON.stringify(options.webhookUrl)}`, { field: 'approvalWebhookUrl' });
  }
  const now = options.now ?? Date.now;
  return async (event) => {
    const parsed = approvalLambdaPayloadSchema.safeParse(event);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
      throw Object.assign(new Error(`Invalid approval request: ${detail}`), { name: 'Stepwise.InvalidInput' });
    }
    const { executionArn, agent, approval } = parsed.data;
    if (options.isApprovalTask && !options.isApprovalTask(parsed.data.taskToken, executionArn, approval.approvalId)) {
      throw Object.assign(
        new Error(`Refused approval request ${approval.approvalId}: its taskToken is not a task token this engine issued to execution ${executionArn} for that approval. Approvals are requested by the workflow's RequestApproval state, not by hand.`),
        { name: 'Stepwise.InvalidInput' },
      );
    }
    // Asked again with the same token (the engine resumed a request it had not seen return: a stop
    // cut it off, or an older engine kept no mark): recorded already, so nobody is told twice.
    const recorded = await options.approvals.get(approval.approvalId);
    if (recorded?.taskToken === parsed.data.taskToken) return { approvalId: approval.approvalId };
    await options.approvals.put(approvalRecordOf(parsed.data, now()));
    options.log(
      `Approval needed: ${agent} wants to call ${approval.tool} ${approval.args ? preview(approval.args) : clip(approval.argsPreview ?? '')} (approval ${approval.approvalId}). ` +
        `Answer with \`stepwise approve ${approval.approvalId}\` or \`stepwise reject ${approval.approvalId}\`.`,
    );
    if (options.webhookUrl) {
      const args = approval.args ? { args: approval.args } : { argsRef: approval.argsRef, argsPreview: approval.argsPreview };
      void postWebhook(options.webhookUrl, { approvalId: approval.approvalId, executionArn, agent, tool: approval.tool, ...args, reasoning: approval.reasoning }, options.log);
    }
    return { approvalId: approval.approvalId };
  };
}

/** Arguments on one console line: long ones (a report body) are cut; `stepwise approvals` shows them. */
function preview(args: unknown, max = 200): string {
  return clip(JSON.stringify(args) ?? '', max);
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
