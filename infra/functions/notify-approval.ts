import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { InvalidInputError, type ApprovalStore, type StoredApproval } from '../../framework/internal';
import { approvalLambdaPayloadSchema, approvalRecordOf } from '../../state-machines';

/** What the approval notifier needs, resolved once at the Lambda's edge. */
export interface ApprovalNotifierConfig {
  /** Where approval id → task token is kept until someone decides. */
  readonly approvals: ApprovalStore;
  readonly sns: SNSClient;
  readonly topicArn: string;
  /** Base URL of the approval HTTP API (ends with `/`), for the instructions in the message. */
  readonly apiUrl?: string;
  /**
   * Agent name → the `TimeoutSeconds` of its `RequestApproval` state, which decides when the
   * approval really expires.
   * @default the approval's own `timeoutSeconds`
   */
  readonly approvalTimeouts?: Readonly<Record<string, number>>;
  /** @default the current time */
  readonly now?: () => Date;
}

/** What the notifier returns; Step Functions ignores it (the state waits for the task token). */
export interface ApprovalNotice {
  readonly approvalId: string;
  readonly messageId?: string;
}

const SUBJECT_LIMIT = 100;

/**
 * The approval request as people read it: everything needed to decide and to answer, never the
 * task token (whoever holds it can answer without IAM).
 */
export function approvalMessage(approval: StoredApproval, apiUrl?: string): { subject: string; message: string } {
  const subject = `Stepwise approval needed: ${approval.agent} wants to run ${approval.tool}`.slice(0, SUBJECT_LIMIT);
  const lines = [
    `Agent "${approval.agent}" wants to run the tool "${approval.tool}" and waits for a decision.`,
    '',
    `Approval id: ${approval.approvalId}`,
    `Execution:   ${approval.executionArn}`,
    `Requested:   ${approval.requestedAt}`,
    `Expires:     ${approval.expiresAt} (then the call is not made)`,
    '',
    'Why (the model\'s reasoning):',
    approval.reasoning || '(none given)',
    '',
    ...(approval.args
      ? ['Arguments:', JSON.stringify(approval.args, null, 2)]
      : [
          'Arguments (long; the start is shown, `stepwise approvals --json --target aws` or GET on the approval shows them whole):',
          approval.argsPreview ?? '',
        ]),
    '',
    'To decide with the Stepwise CLI (your AWS credentials):',
    `  stepwise approve ${approval.approvalId} --target aws [--reason "..."] [--args '{...}']`,
    `  stepwise reject ${approval.approvalId} --target aws --reason "..."`,
  ];
  if (apiUrl) {
    lines.push(
      '',
      'Or over HTTP, signed with AWS SigV4 (IAM authorization):',
      `  POST ${apiUrl}approvals/${encodeURIComponent(approval.approvalId)}/approve  body {"reason":"...","args":{...}} (both optional)`,
      `  POST ${apiUrl}approvals/${encodeURIComponent(approval.approvalId)}/reject   body {"reason":"..."}`,
    );
  }
  return { subject, message: lines.join('\n') };
}

/**
 * The handler behind the `RequestApproval` state: validates the payload, stores approval id →
 * task token, and announces the request on the SNS topic. A retried invocation stores the same
 * item again and may announce twice; the decision is still made once, through the token.
 *
 * @throws InvalidInputError naming the bad payload field (the state then records a rejection).
 * @example
 * const notify = createApprovalNotifier({ approvals, sns: new SNSClient({}), topicArn });
 * await notify({ taskToken, executionArn, agent: 'research', approval });
 */
export function createApprovalNotifier(config: ApprovalNotifierConfig): (event: unknown) => Promise<ApprovalNotice> {
  const now = config.now ?? (() => new Date());
  return async (event) => {
    const parsed = approvalLambdaPayloadSchema.safeParse(event);
    if (!parsed.success) {
      // Issues name paths and rules, never the values: the payload holds the task token.
      const issue = parsed.error.issues[0];
      const field = issue.path.map(String).join('.') || '(root)';
      throw new InvalidInputError(`The approval payload is invalid at ${field}: ${issue.message}`, { field });
    }
    const { agent, approval } = parsed.data;
    const stored: StoredApproval = approvalRecordOf(parsed.data, now().getTime(), config.approvalTimeouts?.[agent] ?? approval.timeoutSeconds);
    await config.approvals.put(stored);
    const { subject, message } = approvalMessage(stored, config.apiUrl);
    const published = await config.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: subject,
        Message: message,
        MessageAttributes: {
          agent: { DataType: 'String', StringValue: agent },
          tool: { DataType: 'String', StringValue: approval.tool },
          approvalId: { DataType: 'String', StringValue: approval.approvalId },
        },
      }),
    );
    console.log(JSON.stringify({ message: 'approval requested', approvalId: stored.approvalId, agent, tool: stored.tool, executionArn: stored.executionArn }));
    return { approvalId: stored.approvalId, ...(published.MessageId ? { messageId: published.MessageId } : {}) };
  };
}
