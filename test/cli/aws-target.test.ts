import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main';
import { DynamoDbEventLog, EventType, type StepwiseEvent } from '../../framework/internal';
import { createExecutionEventsEndpoint } from '../../infra/functions/serve-execution-events';
import { TEST_CREDENTIALS, startFunctionUrlServer, type FunctionUrlServer } from '../helpers/function-url-server';

const sfn = mockClient(SFNClient);
const cloudFormation = mockClient(CloudFormationClient);
const dynamo = mockClient(DynamoDBDocumentClient);

const researchArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Stepwise-research';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:Stepwise-research:run-1';
const approvalItem = {
  pk: 'apv-1', approvalId: 'apv-1', executionArn, agent: 'research', callId: 'c1', tool: 'publish_report', args: JSON.stringify({ title: 'T', body: 'B' }),
  reasoning: 'ready', taskToken: 'secret-token', requestedAt: '2026-11-23T10:00:00.000Z', expiresAt: '2026-11-24T10:00:00.000Z',
};

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main([...args, '--target', 'aws', '--stack', 'Stepwise', '--region', 'eu-west-1'], {
    cwd: process.cwd(),
    out: (line) => (out += `${line}\n`),
    error: (line) => (err += `${line}\n`),
    stdin: new PassThrough(),
    stderr: new PassThrough(),
  });
  return { code, out, err };
}

/** The stack's outputs; `EventsUrl` is the loopback stand-in of the events function URL. */
function stackOutputs(eventsUrl?: string) {
  return {
    Stacks: [{ StackName: 'Stepwise', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const, Outputs: [
      { OutputKey: 'Agents', OutputValue: JSON.stringify({ research: researchArn }) },
      { OutputKey: 'RunStateTableName', OutputValue: 'runstate' },
      { OutputKey: 'EventsTableName', OutputValue: 'events' },
      { OutputKey: 'ApprovalsTableName', OutputValue: 'approvals' },
      { OutputKey: 'PayloadBucketName', OutputValue: 'payloads' },
      ...(eventsUrl ? [{ OutputKey: 'EventsUrl', OutputValue: eventsUrl }] : []),
    ] }],
  };
}

/** The events table, answering Query as DynamoDB does; the approvals index answers with `approvals`. */
let eventsTable: { pk: string; sk: number; event: string }[];
let approvals: Record<string, unknown>[];
let status: string;
let output: string | undefined;
let endpoint: FunctionUrlServer;
const savedEnvironment = { ...process.env };

function append(...events: StepwiseEvent[]): void {
  for (const event of events) eventsTable.push({ pk: executionArn, sk: eventsTable.length + 1, event: JSON.stringify(event) });
}

const base = { runId: executionArn, agent: 'research', at: '2026-11-23T10:00:00.000Z' };
const modelStep = (iteration: number): StepwiseEvent => ({ ...base, type: EventType.ModelStep, iteration, thought: `thinking about step ${iteration}`, toolCalls: [], final: false });

beforeAll(async () => {
  // The standard credential chain finds these; the loopback function URL checks the signature with them.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const serve = createExecutionEventsEndpoint({
    events: new DynamoDbEventLog({ dynamodb: new DynamoDBClient({ region: 'eu-west-1' }), tableName: 'events' }),
    sfn: new SFNClient({ region: 'eu-west-1' }),
    stateMachineArns: [researchArn],
    pollMs: 5,
    statusIntervalMs: 0,
    // Small, so a long run spans several connections: the CLI must reconnect from its cursor.
    maxResponseBytes: 1_200,
  });
  endpoint = await startFunctionUrlServer(serve, 'eu-west-1');
});

afterAll(async () => {
  await endpoint.close();
  process.env = savedEnvironment;
});

beforeEach(() => {
  sfn.reset();
  cloudFormation.reset();
  dynamo.reset();
  endpoint.requests.length = 0;
  endpoint.refused.length = 0;
  eventsTable = [];
  approvals = [];
  status = 'RUNNING';
  output = undefined;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  cloudFormation.on(DescribeStacksCommand).resolves(stackOutputs(endpoint.url));
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    if (input.TableName === 'approvals') return { Items: approvals };
    const after = (input.ExpressionAttributeValues as { ':after': number })[':after'];
    const items = eventsTable.filter((item) => item.pk === input.ExpressionAttributeValues?.[':pk'] && item.sk > after);
    return { Items: input.Limit ? items.slice(0, input.Limit) : items };
  });
  sfn.on(DescribeExecutionCommand).callsFake(async () => ({ executionArn, name: 'run-1', status, startDate: new Date(), stateMachineArn: researchArn, ...(output ? { output } : {}) }));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

describe('the CLI against a deployed stack', () => {
  it('starts an execution on the agent\'s state machine found in the stack outputs', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });

    const result = await cli('start', 'research', 'Battery storage in cities', '--session', 'chat-7');

    expect(result).toMatchObject({ code: 0, out: `${executionArn}\n` });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({ stateMachineArn: researchArn, input: JSON.stringify({ task: 'Battery storage in cities', sessionId: 'chat-7' }) });
  });

  it('names the agents there are when the agent is not deployed', async () => {
    const result = await cli('start', 'nobody', 'task');

    expect(result.code).toBe(2);
    expect(result.err).toContain('Stack Stepwise has no agent "nobody". It has: research');
  });

  it('lists pending approvals from the approvals table without their tokens', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [approvalItem] });

    const result = await cli('approvals', '--json');

    expect(JSON.parse(result.out)).toEqual([expect.objectContaining({ approvalId: 'apv-1', tool: 'publish_report', args: { title: 'T', body: 'B' } })]);
    expect(result.out).not.toContain('secret-token');
  });

  it('approves with edited arguments and rejects with a reason through the task token', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [approvalItem] });
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});

    await cli('approve', 'apv-1', '--args', '{"title":"Better","body":"B"}', '--reason', 'ok');
    await cli('reject', 'apv-1', '--reason', 'not now');

    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toEqual({ taskToken: 'secret-token', output: JSON.stringify({ approved: true, args: { title: 'Better', body: 'B' }, reason: 'ok' }) });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toEqual({ taskToken: 'secret-token', error: 'Stepwise.ApprovalRejected', cause: 'not now' });
  });

  it('refuses --args that are not a JSON object, sending nothing', async () => {
    const result = await cli('approve', 'apv-1', '--args', '[1,2]');

    expect(result.code).toBe(2);
    expect(result.err).toContain('--args must be a JSON object');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('prints the progress events of an execution from the stack\'s events endpoint, signed with your credentials', async () => {
    append({ ...base, type: EventType.ToolCompleted, iteration: 1, callId: 'c1', tool: 'search_documents', durationMs: 12, preview: '{"total":3}' });

    const result = await cli('logs', executionArn);

    expect(result.code).toBe(0);
    expect(result.out).toContain('✓ search_documents 12 ms');
    expect(endpoint.refused).toEqual([]);
    expect(endpoint.requests[0]).toMatchObject({ rawPath: `/executions/${encodeURIComponent(executionArn)}/events`, rawQueryString: 'after=0&follow=false' });
  });

  it('follows an execution to its end across reconnections, missing nothing and repeating nothing', async () => {
    append(modelStep(1), modelStep(2));
    let queries = 0;
    dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      queries += 1;
      // The container keeps writing while the CLI watches; then the execution ends.
      if (queries % 3 === 0 && eventsTable.length < 12) append(modelStep(eventsTable.length + 1));
      if (eventsTable.length >= 12) status = 'SUCCEEDED';
      const after = (input.ExpressionAttributeValues as { ':after': number })[':after'];
      const items = eventsTable.filter((item) => item.sk > after);
      return { Items: input.Limit ? items.slice(0, input.Limit) : items };
    });

    const result = await cli('logs', executionArn, '--follow', '--json');

    expect(result).toMatchObject({ code: 0, err: '' });
    const seqs = result.out.trim().split('\n').map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The endpoint's size limit closed the stream several times; each reconnection resumed after the last event received.
    expect(endpoint.requests.length).toBeGreaterThan(2);
    const cursors = endpoint.requests.map((request) => Number(request.headers?.['last-event-id']));
    expect(cursors[0]).toBe(0);
    expect(cursors.slice(1).every((cursor) => seqs.includes(cursor))).toBe(true);
    expect(endpoint.refused).toEqual([]);
  });

  it('tells a caller the endpoint refuses (a wrong signature) what permission watching needs', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';

    const result = await cli('logs', executionArn, '--follow');

    expect(result.code).toBe(2);
    expect(result.err).toContain('refused to stream');
    expect(result.err).toContain('lambda:InvokeFunctionUrl');
    expect(endpoint.refused).toEqual(['the signature does not match the request that arrived']);
  });

  it('says to redeploy when the stack predates the events endpoint', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(stackOutputs());

    const result = await cli('logs', executionArn, '--follow');

    expect(result.code).toBe(2);
    expect(result.err).toContain('has no "EventsUrl" output');
  });

  it('shows the status and the answer of a finished execution', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn, name: 'run-1', status: 'SUCCEEDED', startDate: new Date(), stateMachineArn: researchArn, output: JSON.stringify({ answer: 'The report', costUsd: 0.0123, iterations: 6 }) });

    const result = await cli('status', executionArn);

    expect(result.out).toMatch(/run-1 {2}SUCCEEDED[\s\S]*iterations: 6 · cost: \$0\.0123[\s\S]*The report/);
  });
});

describe('stepwise run --target aws', () => {
  it('starts the agent on the deployed stack, streams its progress from the events endpoint, approves its call, and prints the result', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
    const approvalRequested = { ...base, type: EventType.ApprovalRequested, iteration: 2, approvalId: 'apv-1', callId: 'c1', tool: 'publish_report', args: { title: 'T', body: 'B' }, reasoning: 'ready' } as StepwiseEvent;
    append({ ...base, type: EventType.RunStarted, iteration: 0, task: 'Battery storage', model: 'offline', resumed: false } as StepwiseEvent, modelStep(1), approvalRequested);
    approvals = [approvalItem];
    // Approving resumes the workflow: the next turn logs its events, then the execution succeeds.
    sfn.on(SendTaskSuccessCommand).callsFake(() => {
      append(
        { ...base, type: EventType.ApprovalDecided, iteration: 2, approvalId: 'apv-1', callId: 'c1', tool: 'publish_report', outcome: 'approved' } as StepwiseEvent,
        { ...base, type: EventType.RunCompleted, iteration: 3, answer: 'Published.', usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 } as StepwiseEvent,
      );
      output = JSON.stringify({ answer: 'Published.', usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, iterations: 3 });
      status = 'SUCCEEDED';
      return {};
    });

    const result = await cli('run', 'research', 'Battery storage', '--approve', 'all', '--json', '--model', 'openai:gpt-4.1-mini');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ status: 'COMPLETED', answer: 'Published.', iterations: 3, executionArn });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({ stateMachineArn: researchArn, input: JSON.stringify({ task: 'Battery storage', options: { model: 'openai:gpt-4.1-mini' } }) });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toMatchObject({ taskToken: 'secret-token' });
    expect(result.err).toContain('approval needed [apv-1]');
    expect(result.err).toContain('completed');
    expect(endpoint.refused).toEqual([]);
  });

  it('refuses flags that name things on this machine', async () => {
    const result = await cli('run', 'research', 'task', '--corpus', '/tmp/docs');

    expect(result.code).toBe(2);
    expect(result.err).toContain('--corpus applies to a run on this machine, not with --target aws');
  });
});
