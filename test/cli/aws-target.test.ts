import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main';

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

beforeEach(() => {
  sfn.reset();
  cloudFormation.reset();
  dynamo.reset();
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'Stepwise', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [
      { OutputKey: 'Agents', OutputValue: JSON.stringify({ research: researchArn }) },
      { OutputKey: 'RunStateTableName', OutputValue: 'runstate' },
      { OutputKey: 'EventsTableName', OutputValue: 'events' },
      { OutputKey: 'ApprovalsTableName', OutputValue: 'approvals' },
      { OutputKey: 'PayloadBucketName', OutputValue: 'payloads' },
    ] }],
  });
});

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

  it('prints the progress events of an execution from the events table', async () => {
    const event = { type: 'tool.completed', runId: executionArn, agent: 'research', at: '2026-11-23T10:00:00.000Z', iteration: 1, callId: 'c1', tool: 'search_documents', durationMs: 12, preview: '{"total":3}' };
    dynamo.on(QueryCommand).resolves({ Items: [{ pk: executionArn, sk: 1, event: JSON.stringify(event) }] });

    const result = await cli('logs', executionArn);

    expect(result.code).toBe(0);
    expect(result.out).toContain('✓ search_documents 12 ms');
  });

  it('shows the status and the answer of a finished execution', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn, name: 'run-1', status: 'SUCCEEDED', startDate: new Date(), stateMachineArn: researchArn, output: JSON.stringify({ answer: 'The report', costUsd: 0.0123, iterations: 6 }) });

    const result = await cli('status', executionArn);

    expect(result.out).toMatch(/run-1 {2}SUCCEEDED[\s\S]*iterations: 6 · cost: \$0\.0123[\s\S]*The report/);
  });
});
