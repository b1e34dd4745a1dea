import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { ApprovalNotice } from '../../../infra/functions/notify-approval';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-secret-task-token';
const dynamodb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
let handler: (event: unknown) => Promise<ApprovalNotice>;
let logged: string[];

const payload = {
  taskToken: TOKEN,
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Stepwise-research:run-1',
  agent: 'research',
  approval: {
    approvalId: 'approval-1',
    callId: 'call-7',
    tool: 'publish_report',
    args: { title: 'Grid storage', body: '# Findings' },
    reasoning: 'The report is ready to publish.',
    timeoutSeconds: 3600,
    requestedAt: '2030-01-01T00:00:00.000Z',
  },
};

beforeAll(() => {
  process.env.STEPWISE_APPROVALS_TABLE = 'Approvals';
  process.env.STEPWISE_APPROVAL_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:approvals';
  process.env.STEPWISE_APPROVAL_API_URL = 'https://api.example.test/v1/';
  process.env.STEPWISE_APPROVAL_TIMEOUTS = JSON.stringify({ content: 60 });
  // The entry point reads its environment once, when the module loads.
  handler = (require('../../../infra/functions/approval-notifier') as { handler: typeof handler }).handler;
});

beforeEach(() => {
  dynamodb.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
});

afterEach(() => jest.restoreAllMocks());

it('stores the approval id with its task token, expiring when the approval times out', async () => {
  const notice = await handler(payload);

  expect(notice).toEqual({ approvalId: 'approval-1', messageId: 'message-1' });
  const [put] = dynamodb.commandCalls(PutCommand);
  const item = put.args[0].input.Item!;
  expect(put.args[0].input.TableName).toBe('Approvals');
  expect(item).toMatchObject({ pk: 'approval-1', approvalId: 'approval-1', taskToken: TOKEN, executionArn: payload.executionArn, agent: 'research', tool: 'publish_report' });
  expect(item.ttl).toBe(Math.ceil(Date.parse(item.expiresAt) / 1000));
  expect(Date.parse(item.expiresAt) - Date.now()).toBeGreaterThan(3590 * 1000);
});

it('expires the approval when the agent\'s state machine stops waiting, not when the container thought it would', async () => {
  await handler({ ...payload, agent: 'content' });

  const item = dynamodb.commandCalls(PutCommand)[0].args[0].input.Item!;
  expect(Date.parse(item.expiresAt) - Date.now()).toBeLessThanOrEqual(60 * 1000);
});

it('announces the request with everything needed to decide, and never the token', async () => {
  await handler(payload);

  const [publish] = sns.commandCalls(PublishCommand);
  const { Message, Subject, TopicArn } = publish.args[0].input;
  expect(TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:approvals');
  expect(Subject).toBe('Stepwise approval needed: research wants to run publish_report');
  expect(Message).toContain('approval-1');
  expect(Message).toContain(payload.executionArn);
  expect(Message).toContain('The report is ready to publish.');
  expect(Message).toContain('"title": "Grid storage"');
  expect(Message).toContain('stepwise approve approval-1 --target aws');
  expect(Message).toContain('POST https://api.example.test/v1/approvals/approval-1/approve');
  expect(JSON.stringify(publish.args[0].input)).not.toContain(TOKEN);
  expect(logged.join('\n')).not.toContain(TOKEN);
});

it('refuses a payload without a task token, naming the field and storing nothing', async () => {
  const { taskToken: _token, ...withoutToken } = payload;

  await expect(handler(withoutToken)).rejects.toMatchObject({ name: 'InvalidInputError', field: 'taskToken' });
  expect(dynamodb.commandCalls(PutCommand)).toHaveLength(0);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});

it('does not repeat the token when the rest of the payload is wrong', async () => {
  const error = await handler({ ...payload, approval: { ...payload.approval, timeoutSeconds: -1 } }).catch((caught: Error) => caught);

  expect(error).toMatchObject({ field: 'approval.timeoutSeconds' });
  expect(String((error as Error).message)).not.toContain(TOKEN);
  expect(logged.join('\n')).not.toContain(TOKEN);
});

it('keeps long arguments a reference in the approval item and shows their start in the message', async () => {
  const { args: _args, ...rest } = payload.approval;
  const approval = { ...rest, argsRef: 'stepwise-payload:approvals/approval-1/args', argsPreview: '{"title":"Grid storage","body":"# Findings…' };

  await handler({ ...payload, approval });

  const item = dynamodb.commandCalls(PutCommand)[0].args[0].input.Item!;
  expect(item).toMatchObject({ argsRef: approval.argsRef, argsPreview: approval.argsPreview });
  expect(item).not.toHaveProperty('args');
  const { Message } = sns.commandCalls(PublishCommand)[0].args[0].input;
  expect(Message).toContain('Arguments (long; the start is shown');
  expect(Message).toContain(approval.argsPreview);
});
