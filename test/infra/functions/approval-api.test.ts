import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { ApiGatewayRequest, ApiGatewayResponse } from '../../../infra/functions/decide-approval';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-secret-task-token';
const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
/** The payload bucket's objects, by key. */
const objects = new Map<string, string>();
let handler: (request: ApiGatewayRequest) => Promise<ApiGatewayResponse>;
let logged: string[];

function item(approvalId: string, overrides: Record<string, unknown> = {}) {
  return {
    pk: approvalId,
    approvalId,
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Stepwise-research:run-1',
    agent: 'research',
    callId: 'call-7',
    tool: 'publish_report',
    args: JSON.stringify({ title: 'Grid storage' }),
    reasoning: 'The report is ready.',
    taskToken: TOKEN,
    requestedAt: '2030-01-01T00:00:00.000Z',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    ttl: 0,
    ...overrides,
  };
}

function request(httpMethod: string, resource: string, approvalId?: string, body?: unknown, query?: Record<string, string>): ApiGatewayRequest {
  return {
    httpMethod,
    resource,
    pathParameters: approvalId === undefined ? null : { approvalId },
    queryStringParameters: query ?? null,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: { identity: { userArn: 'arn:aws:iam::123456789012:user/approver' } },
  };
}

const approve = (approvalId: string, body?: unknown) => handler(request('POST', '/approvals/{approvalId}/approve', approvalId, body));
const reject = (approvalId: string, body?: unknown) => handler(request('POST', '/approvals/{approvalId}/reject', approvalId, body));
const json = (response: ApiGatewayResponse) => JSON.parse(response.body) as Record<string, any>;

beforeAll(() => {
  process.env.STEPWISE_APPROVALS_TABLE = 'Approvals';
  process.env.STEPWISE_APPROVALS_INDEX = 'byExecutionArn';
  process.env.STEPWISE_PAYLOAD_BUCKET = 'payload-bucket';
  // The entry point reads its environment once, when the module loads.
  handler = (require('../../../infra/functions/approval-api') as { handler: typeof handler }).handler;
});

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  s3.reset();
  objects.clear();
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => void objects.set(input.Key, input.Body));
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => body } };
  });
  dynamodb.on(GetCommand).resolves({});
  dynamodb.on(GetCommand, { Key: { pk: 'approval-1' } }).resolves({ Item: item('approval-1') });
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
});

afterEach(() => {
  // Whatever happened, no response and no log line carried a task token.
  expect(logged.join('\n')).not.toContain(TOKEN);
  jest.restoreAllMocks();
});

describe('reading approvals', () => {
  it('lists the pending approvals without their task tokens, leaving out expired ones', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [item('approval-1'), item('approval-old', { expiresAt: '2000-01-01T00:00:00.000Z' })] });

    const response = await handler(request('GET', '/approvals'));

    expect(response.statusCode).toBe(200);
    expect(json(response).approvals.map((approval: { approvalId: string }) => approval.approvalId)).toEqual(['approval-1']);
    expect(json(response).approvals[0]).toMatchObject({ tool: 'publish_report', args: { title: 'Grid storage' }, agent: 'research' });
    expect(response.body).not.toContain(TOKEN);
  });

  it('lists the approvals of one execution through the index', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [item('approval-1')] });

    const response = await handler(request('GET', '/approvals', undefined, undefined, { executionArn: item('x').executionArn }));

    expect(json(response).approvals).toHaveLength(1);
    expect(dynamodb.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ TableName: 'Approvals', IndexName: 'byExecutionArn' });
  });

  it('shows one approval without its token, and answers 404 for an unknown id', async () => {
    const found = await handler(request('GET', '/approvals/{approvalId}', 'approval-1'));
    const missing = await handler(request('GET', '/approvals/{approvalId}', 'nope'));

    expect(found.statusCode).toBe(200);
    expect(json(found)).toMatchObject({ approvalId: 'approval-1', reasoning: 'The report is ready.' });
    expect(found.body).not.toContain(TOKEN);
    expect(missing.statusCode).toBe(404);
    expect(json(missing).field).toBe('approvalId');
  });
});

describe('approvals with long arguments', () => {
  const longArgs = { title: 'Grid storage', body: 'x'.repeat(1_000_000) };
  beforeEach(() => {
    objects.set('payloads/approvals/approval-2/args', JSON.stringify(longArgs));
    const { args: _inline, ...byReference } = item('approval-2');
    dynamodb.on(GetCommand, { Key: { pk: 'approval-2' } }).resolves({ Item: { ...byReference, argsRef: 'stepwise-payload:approvals/approval-2/args', argsPreview: '{"title":"Grid storage","body":"xxx…' } });
  });

  it('shows one approval with its whole arguments, read back from their reference', async () => {
    const response = await handler(request('GET', '/approvals/{approvalId}', 'approval-2'));

    expect(response.statusCode).toBe(200);
    expect(json(response).args).toEqual(longArgs);
    expect(response.body).not.toContain(TOKEN);
  });

  it('uploads long edited arguments and a long reason and sends their references: SendTaskSuccess stays small', async () => {
    const edited = { ...longArgs, title: 'Revised' };

    const response = await approve('approval-2', { args: edited, reason: 'r'.repeat(100_000) });

    expect(response.statusCode).toBe(200);
    const output = sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input.output!;
    expect(output.length).toBeLessThan(300);
    const { argsRef, reasonRef } = JSON.parse(output) as { argsRef: string; reasonRef: string };
    expect(JSON.parse(objects.get(`payloads/${argsRef.replace('stepwise-payload:', '')}`)!)).toEqual(edited);
    expect(JSON.parse(objects.get(`payloads/${reasonRef.replace('stepwise-payload:', '')}`)!)).toBe('r'.repeat(100_000));
    expect(argsRef).toMatch(/^stepwise-payload:uploads\//);
  });

  it('rejects with a reason longer than a cause holds, by reference', async () => {
    const response = await reject('approval-1', { reason: 'n'.repeat(40_000) });

    expect(response.statusCode).toBe(200);
    const { cause } = sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input;
    expect(cause!.length).toBeLessThan(1_000);
    const { reasonRef } = JSON.parse(cause!) as { reasonRef: string };
    expect(JSON.parse(objects.get(`payloads/${reasonRef.replace('stepwise-payload:', '')}`)!)).toBe('n'.repeat(40_000));
  });
});

describe('deciding', () => {
  it('approves with edited arguments and a reason through SendTaskSuccess, then forgets the approval', async () => {
    const response = await approve('approval-1', { args: { title: 'Grid storage, revised' }, reason: 'shorter title' });

    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ approvalId: 'approval-1', outcome: 'approved' });
    const [success] = sfn.commandCalls(SendTaskSuccessCommand);
    expect(success.args[0].input.taskToken).toBe(TOKEN);
    expect(JSON.parse(success.args[0].input.output!)).toEqual({ approved: true, args: { title: 'Grid storage, revised' }, reason: 'shorter title' });
    expect(dynamodb.commandCalls(DeleteCommand)[0].args[0].input.Key).toEqual({ pk: 'approval-1' });
    expect(response.body).not.toContain(TOKEN);
  });

  it('approves with an empty body as a plain approval', async () => {
    await approve('approval-1');

    expect(JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input.output!)).toEqual({ approved: true });
  });

  it('rejects through SendTaskFailure with the reason as the cause', async () => {
    const response = await reject('approval-1', { reason: 'Not before legal review' });

    expect(response.statusCode).toBe(200);
    expect(json(response).outcome).toBe('rejected');
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toEqual({ taskToken: TOKEN, error: 'Stepwise.ApprovalRejected', cause: 'Not before legal review' });
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(1);
  });

  it('refuses a rejection without a reason, naming the field', async () => {
    const response = await reject('approval-1', {});

    expect(response.statusCode).toBe(400);
    expect(json(response).field).toBe('reason');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('refuses a body that is not JSON or has unknown fields, naming them', async () => {
    const notJson = await approve('approval-1', '{"args":');
    const unknownField = await approve('approval-1', { arguments: {} });
    const argsNotObject = await approve('approval-1', { args: [1, 2] });

    expect([notJson.statusCode, unknownField.statusCode, argsNotObject.statusCode]).toEqual([400, 400, 400]);
    expect([json(notJson).field, json(unknownField).field, json(argsNotObject).field]).toEqual(['body', 'arguments', 'args']);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 404 for an approval that does not exist', async () => {
    const response = await approve('nope', {});

    expect(response.statusCode).toBe(404);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 410 and forgets the approval when its execution no longer waits', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const response = await approve('approval-1', {});

    expect(response.statusCode).toBe(410);
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(1);
    expect(response.body).not.toContain(TOKEN);
  });

  it('answers 500 without details when Step Functions fails otherwise, and keeps the approval', async () => {
    sfn.on(SendTaskFailureCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const response = await reject('approval-1', { reason: 'no' });

    expect(response.statusCode).toBe(500);
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(0);
  });
});
