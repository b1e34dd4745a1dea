import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SFNClient, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { main, readContainerConfig, runTurn, storesFor } from '../../agent-task';
import { createStores, InvalidInputError } from '../../framework';
import type { ApprovalResult } from '../../state-machines';
import { repositoryRoot } from '../helpers/cli';

const configPath = path.join(repositoryRoot, 'test', 'fixtures', 'container.config.ts');

function containerEnv(root: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    STEPWISE_TASK_TOKEN: 'token-1',
    STEPWISE_EXECUTION_ARN: 'arn:aws:states:us-east-1:000000000000:execution:recorder:one',
    STEPWISE_AGENT: 'recorder',
    STEPWISE_INPUT: JSON.stringify({ task: `record ${path.join(root, 'side-effects.txt')}` }),
    STEPWISE_DECISIONS: '[]',
    STEPWISE_CONFIG: configPath,
    STEPWISE_STORE: `file:${root}`,
    ...overrides,
  };
}

describe('the container contract', () => {
  it('names the variable that is missing or malformed', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const { STEPWISE_AGENT: _agent, ...withoutAgent } = containerEnv(root);

    expect(() => readContainerConfig(withoutAgent)).toThrow(new InvalidInputError('The container needs STEPWISE_AGENT, which is not set'));
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_INPUT: '{"task": ""}' }))).toThrow(/Invalid execution input: task: task must not be empty/);
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_DECISIONS: 'not json' }))).toThrow(/STEPWISE_DECISIONS is not valid JSON/);
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_STORE: 'redis://x' }))).toThrow(/STEPWISE_STORE/);
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_RETENTION_DAYS: 'soon' }))).toThrow('STEPWISE_RETENTION_DAYS must be a whole number of days, got "soon"');
  });

  it('writes events that expire after the retention period in the AWS stores', async () => {
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});
    const config = readContainerConfig(containerEnv('/tmp', { STEPWISE_STORE: 'dynamodb:runs,events,approvals,s3:payload-bucket', STEPWISE_RETENTION_DAYS: '30' }));
    const before = Math.floor(Date.now() / 1000);

    await storesFor(config).events.append(config.executionArn, [{ type: 'run.started', runId: config.executionArn, agent: 'recorder', at: new Date().toISOString(), iteration: 0, task: 't', model: 'offline', resumed: false }]);

    const ttl = dynamo.commandCalls(PutCommand)[0].args[0].input.Item!.ttl as number;
    expect(ttl - before).toBeGreaterThanOrEqual(30 * 86_400);
    expect(ttl - before).toBeLessThan(30 * 86_400 + 600);
    dynamo.restore();
  });
});

describe('runTurn', () => {
  const lambda = mockClient(LambdaClient);
  beforeEach(() => lambda.reset());

  it('pauses for approval, then resumes from the checkpoint and runs the approved call once', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const dependencies = { stores, lambda: new LambdaClient({ region: 'us-east-1' }) };

    const first = await runTurn(readContainerConfig(containerEnv(root)), dependencies);

    expect(first.status).toBe('AWAITING_APPROVAL');
    expect(first.approvals).toEqual([expect.objectContaining({ tool: 'record_call', reasoning: 'now record' })]);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
    const decisions: ApprovalResult[] = [{ approval: first.approvals![0], response: { approved: true, reason: 'fine' } }];
    const resumeEnv = containerEnv(root, { STEPWISE_TASK_TOKEN: 'token-2', STEPWISE_DECISIONS: JSON.stringify(decisions) });

    const second = await runTurn(readContainerConfig(resumeEnv), dependencies);
    // A retried container (same execution, same decisions) finds the run finished and runs nothing again.
    const retried = await runTurn(readContainerConfig(resumeEnv), dependencies);

    expect(second).toMatchObject({ status: 'COMPLETED', iterations: 3 });
    expect(second.answer).toContain('observed: {"text":"record');
    expect(retried.status).toBe('COMPLETED');
    const lines = readFileSync(path.join(root, 'side-effects.txt'), 'utf8').trim().split('\n');
    expect(lines).toEqual([`recorded ${containerEnv(root).STEPWISE_EXECUTION_ARN}:offline_2_1`]);
    const events = await stores.events.read(containerEnv(root).STEPWISE_EXECUTION_ARN);
    expect(events.map((logged) => logged.event.type)).toContain('approval.decided');
  });

  it('turns an approval with invalid edited arguments into a rejection the model hears, not a failed execution', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const dependencies = { stores: createStores({ kind: 'file', root }), lambda: new LambdaClient({ region: 'us-east-1' }) };
    const first = await runTurn(readContainerConfig(containerEnv(root)), dependencies);
    const decisions: ApprovalResult[] = [{ approval: first.approvals![0], response: { approved: true, args: { file: 42, line: 'x' } } }];

    const second = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_DECISIONS: JSON.stringify(decisions) })), dependencies);

    expect(second.status).toBe('COMPLETED');
    expect(second.answer).toMatch(/rejected by human operator: approved with edited arguments that are invalid, so the call was not run \(.*file: .*expected string/);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
  });

  it('refuses edited arguments with a key the tool does not have: a rejection naming the key, and nothing runs', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const dependencies = { stores: createStores({ kind: 'file', root }), lambda: new LambdaClient({ region: 'us-east-1' }) };
    const first = await runTurn(readContainerConfig(containerEnv(root)), dependencies);
    const edited = { ...first.approvals![0].args, lnie: 'the line I meant' };
    const decisions: ApprovalResult[] = [{ approval: first.approvals![0], response: { approved: true, args: edited } }];

    const second = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_DECISIONS: JSON.stringify(decisions) })), dependencies);

    expect(second.status).toBe('COMPLETED');
    expect(second.answer).toMatch(/rejected by human operator: approved with edited arguments that are invalid, so the call was not run \(.*lnie: is not a parameter of record_call/);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
  });

  it('invokes tools that have a function through the Lambda API, with the idempotency key', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ ok: true, result: { text: 'from lambda' } })) as never });
    const config = readContainerConfig(containerEnv(root, { STEPWISE_TOOL_FUNCTIONS: JSON.stringify({ echo: 'stepwise-echo' }) }));

    await runTurn(config, { stores: createStores({ kind: 'file', root }), lambda: new LambdaClient({ region: 'us-east-1' }) });

    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input.FunctionName).toBe('stepwise-echo');
    const payload = JSON.parse(Buffer.from(calls[0].args[0].input.Payload as Uint8Array).toString());
    expect(payload).toMatchObject({ arguments: { text: expect.stringMatching(/^record /) }, idempotencyKey: `${config.executionArn}:offline_1_1` });
  });

  it('continues the conversation of an earlier execution with the same sessionId', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const dependencies = { stores, lambda: new LambdaClient({ region: 'us-east-1' }) };
    const file = path.join(root, 'side-effects.txt');
    const input = (task: string) => JSON.stringify({ task, sessionId: 'chat-1' });
    const first = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_INPUT: input(`record ${file}`) })), dependencies);
    await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_INPUT: input(`record ${file}`), STEPWISE_DECISIONS: JSON.stringify([{ approval: first.approvals![0], error: { Error: 'Stepwise.ApprovalRejected', Cause: 'no' } }]) })), dependencies);

    const followUpArn = 'arn:aws:states:us-east-1:000000000000:execution:recorder:two';
    await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_EXECUTION_ARN: followUpArn, STEPWISE_INPUT: input(`record ${file}`) })), dependencies);

    const checkpoint = await stores.checkpoints.load(followUpArn);
    const messages = (checkpoint!.state as { messages: { role: string; content: string }[] }).messages;
    expect(messages.filter((message) => message.role === 'user' && message.content.startsWith('record '))).toHaveLength(2);
    expect(messages.some((message) => message.content === 'rejected by human operator: no')).toBe(true);
  });
});

describe('the container entrypoint', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  it('heartbeats on its token and fails the task with Stepwise.InvalidInput naming a missing variable', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const { STEPWISE_AGENT: _agent, ...env } = containerEnv(root);

    const code = await main({ ...env, STEPWISE_HEARTBEAT_SECONDS: '5' });

    expect(code).toBe(1);
    expect(sfn.commandCalls(SendTaskHeartbeatCommand)[0].args[0].input).toEqual({ taskToken: 'token-1' });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toEqual({ taskToken: 'token-1', error: 'Stepwise.InvalidInput', cause: 'The container needs STEPWISE_AGENT, which is not set' });
  });

  it('reports the turn output with SendTaskSuccess', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));

    const code = await main(containerEnv(root));

    expect(code).toBe(0);
    const output = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input.output!);
    expect(output).toMatchObject({ status: 'AWAITING_APPROVAL', iterations: 2, approvals: [expect.objectContaining({ tool: 'record_call' })] });
  });
});
