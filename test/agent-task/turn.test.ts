import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { main, readContainerConfig, runTurn, storesFor } from '../../agent-task';
import { AwsRetryDefaults, lambdaInvokeApi, stepFunctionsApi } from '../../framework/aws';
import { createStores, InvalidInputError, loadRunState, RunState, type StepwiseEvent, type StoreSet } from '../../framework/internal';
import { DYNAMIC_CONTAINER_ENV, createDecisionRecorder, type ApprovalAnswer, type ApprovalRequest } from '../../state-machines';
import { AwsFault, DROP, startAwsWireFake, type AwsWireFake } from '../helpers/aws-wire-fake';
import { repositoryRoot } from '../helpers/cli';

const configPath = path.join(repositoryRoot, 'test', 'fixtures', 'container.config.ts');
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:recorder:one';

/** Step Functions and Lambda at the wire: DescribeExecution answers with each execution's input, as AWS keeps it. */
let wire: AwsWireFake;
const inputs = new Map<string, string>();
function serveInputs(): void {
  wire.onAction('DescribeExecution', ({ executionArn }) => {
    const input = inputs.get(String(executionArn));
    if (input === undefined) throw new AwsFault('ExecutionDoesNotExist', `Execution does not exist: '${String(executionArn)}'`);
    return { executionArn, status: 'RUNNING', input };
  });
}
const actionInputs = (action: string): Record<string, unknown>[] => wire.actions.filter((call) => call.action === action).map((call) => call.input);

beforeAll(async () => {
  wire = await startAwsWireFake();
});
afterAll(() => wire.close());

function containerEnv(root: string, overrides: Record<string, string> = {}, input: unknown = { task: `record ${path.join(root, 'side-effects.txt')}` }): Record<string, string> {
  const env = {
    STEPWISE_TASK_TOKEN: 'token-1',
    STEPWISE_EXECUTION_ARN: EXECUTION_ARN,
    STEPWISE_AGENT: 'recorder',
    STEPWISE_TURN: '1',
    STEPWISE_CONFIG: configPath,
    STEPWISE_STORE: `file:${root}`,
    ...wire.env,
    ...overrides,
  };
  inputs.set(env.STEPWISE_EXECUTION_ARN, JSON.stringify(input));
  return env;
}

/** Records a decision the way the workflow's RecordDecision step does, whoever answered. */
async function decide(stores: StoreSet, approval: ApprovalRequest, answer: ApprovalAnswer): Promise<void> {
  await createDecisionRecorder({ payloads: stores.payloads })({ executionArn: EXECUTION_ARN, agent: 'recorder', approval, answer });
}

beforeEach(() => {
  wire.reset();
  inputs.clear();
  serveInputs();
});
// Every request the container made was signed as AWS checks it.
afterEach(() => expect(wire.refused).toEqual([]));

describe('the container contract', () => {
  it('takes only bounded values from the overrides: token, execution, agent and turn', () => {
    expect(DYNAMIC_CONTAINER_ENV).toEqual(['STEPWISE_TASK_TOKEN', 'STEPWISE_EXECUTION_ARN', 'STEPWISE_AGENT', 'STEPWISE_TURN']);
  });

  it('names the variable that is missing or malformed', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const { STEPWISE_AGENT: _agent, ...withoutAgent } = containerEnv(root);

    expect(() => readContainerConfig(withoutAgent)).toThrow(new InvalidInputError('The container needs STEPWISE_AGENT, which is not set'));
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_TURN: '0' }))).toThrow('STEPWISE_TURN must be a whole number from 1, got "0"');
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_STORE: 'redis://x' }))).toThrow(/STEPWISE_STORE/);
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_RETENTION_DAYS: 'soon' }))).toThrow('STEPWISE_RETENTION_DAYS must be a whole number of days, got "soon"');
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_CONTAINER_V8: 'fast' }))).toThrow(InvalidInputError);
    expect(() => readContainerConfig(containerEnv(root, { STEPWISE_CONTAINER_V8: 'fast' }))).toThrow('STEPWISE_CONTAINER_V8 must be "node" or "lean", got "fast"');
  });

  it('takes either V8 tuning, in any case', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));

    for (const tuning of ['lean', 'node', ' Lean ', '']) expect(() => readContainerConfig(containerEnv(root, { STEPWISE_CONTAINER_V8: tuning }))).not.toThrow();
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
  const dependenciesFor = (stores: StoreSet) => ({ stores, lambda: lambdaInvokeApi(wire.env), sfn: stepFunctionsApi(wire.env) });

  it('reads the execution input itself, pauses for approval, then resumes from the checkpoint and runs the approved call once', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const dependencies = dependenciesFor(stores);

    const first = await runTurn(readContainerConfig(containerEnv(root)), dependencies);

    expect(actionInputs('DescribeExecution')[0]).toEqual({ executionArn: EXECUTION_ARN });
    expect(first.status).toBe('AWAITING_APPROVAL');
    expect(first.approvals).toEqual([expect.objectContaining({ tool: 'record_call', reasoning: 'now record' })]);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
    await decide(stores, first.approvals![0], { response: { approved: true, reason: 'fine' } });
    const resumeEnv = containerEnv(root, { STEPWISE_TASK_TOKEN: 'token-2', STEPWISE_TURN: '2' });

    const second = await runTurn(readContainerConfig(resumeEnv), dependencies);
    // A retried container (same execution, same turn) finds the run finished and runs nothing again.
    const retried = await runTurn(readContainerConfig(resumeEnv), dependencies);

    expect(second).toMatchObject({ status: 'COMPLETED', iterations: 3, resultRef: null });
    expect(second.answer).toContain('observed: {"text":"record');
    expect(retried.status).toBe('COMPLETED');
    const lines = readFileSync(path.join(root, 'side-effects.txt'), 'utf8').trim().split('\n');
    expect(lines).toEqual([`recorded ${EXECUTION_ARN}:offline_2_1`]);
    const events = await stores.events.read(EXECUTION_ARN);
    expect(events.map((logged) => logged.event.type)).toContain('approval.decided');
  });

  it("builds the config's context from the container's environment and gives it to the tools it runs", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const env = containerEnv(root, { STEPWISE_CONFIG: path.join(repositoryRoot, 'test', 'fixtures', 'context.config.ts'), STEPWISE_AGENT: 'greeter', STEPWISE_GREETING: 'Bonjour', STEPWISE_OUTBOX_DIR: '/srv/outbox' }, { task: 'Ada' });

    const turn = await runTurn(readContainerConfig(env), dependenciesFor(createStores({ kind: 'file', root })));

    expect(turn).toMatchObject({ status: 'COMPLETED' });
    expect(JSON.parse(turn.answer!.replace(/^greeted: /, ''))).toEqual({ text: 'Bonjour, Ada', builtWith: '/srv/outbox' });
  });

  it('reports the same approvals again when a later turn finds no decision for them (the answer was lost)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const first = await runTurn(readContainerConfig(containerEnv(root)), dependenciesFor(stores));

    // A redrive re-enters RunAgent on turn 1 with nothing decided: the run waits, it does not fail.
    const again = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_TASK_TOKEN: 'token-2' })), dependenciesFor(stores));

    expect(again.status).toBe('AWAITING_APPROVAL');
    expect(again.approvals!.map(({ approvalId, callId }) => ({ approvalId, callId }))).toEqual(first.approvals!.map(({ approvalId, callId }) => ({ approvalId, callId })));
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
  });

  it('fails a later turn with Stepwise.CheckpointMissing instead of starting over and re-running tools', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });

    const failure = runTurn(readContainerConfig(containerEnv(root, { STEPWISE_TURN: '2' })), dependenciesFor(stores));

    await expect(failure).rejects.toMatchObject({ code: 'Stepwise.CheckpointMissing', message: expect.stringContaining('is on turn 2, but its run state checkpoint is gone') });
    await expect(stores.events.read(EXECUTION_ARN)).resolves.toEqual([]);
  });

  it('turns an approval with invalid edited arguments into a rejection the model hears, not a failed execution', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const first = await runTurn(readContainerConfig(containerEnv(root)), dependenciesFor(stores));
    await decide(stores, first.approvals![0], { response: { approved: true, args: { file: 42, line: 'x' } } });

    const second = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_TURN: '2' })), dependenciesFor(stores));

    expect(second.status).toBe('COMPLETED');
    expect(second.answer).toMatch(/rejected by human operator: approved with edited arguments that are invalid, so the call was not run \(.*file: .*expected string/);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
  });

  it('refuses edited arguments with a key the tool does not have: a rejection naming the key, and nothing runs', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const first = await runTurn(readContainerConfig(containerEnv(root)), dependenciesFor(stores));
    const edited = { ...first.approvals![0].args, lnie: 'the line I meant' };
    await decide(stores, first.approvals![0], { response: { approved: true, args: edited } });

    const second = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_TURN: '2' })), dependenciesFor(stores));

    expect(second.status).toBe('COMPLETED');
    expect(second.answer).toMatch(/rejected by human operator: approved with edited arguments that are invalid, so the call was not run \(.*lnie: is not a parameter of record_call/);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
  });

  it('runs edited arguments and hears a reason that the approver sent by reference', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const first = await runTurn(readContainerConfig(containerEnv(root)), dependenciesFor(stores));
    const edited = path.join(root, 'edited.txt');
    const argsRef = await stores.payloads.put('uploads/edit-1', { file: edited, line: 'edited line' });
    const reasonRef = await stores.payloads.put('uploads/reason-1', 'r'.repeat(50_000));
    await decide(stores, first.approvals![0], { response: { approved: true, argsRef, reasonRef } });

    const second = await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_TURN: '2' })), dependenciesFor(stores));

    expect(second.status).toBe('COMPLETED');
    expect(readFileSync(edited, 'utf8')).toBe(`edited line ${EXECUTION_ARN}:offline_2_1\n`);
    const decided = (await stores.events.read(EXECUTION_ARN)).map((logged) => logged.event).find((event) => event.type === 'approval.decided');
    expect(decided).toMatchObject({ outcome: 'approved', reason: 'r'.repeat(50_000) });
  });

  it('sends a long answer by reference: the output carries a preview and resultRef, the store the whole answer', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const answer = `${'x'.repeat(60_000)} the end`;

    const turn = await runTurn(readContainerConfig(containerEnv(root, {}, { task: `say ${answer}` })), dependenciesFor(stores));

    expect(turn.status).toBe('COMPLETED');
    expect(turn.resultRef).toBe(`stepwise-payload:results/${EXECUTION_ARN}`);
    expect(turn.answer!.length).toBeLessThan(33_000);
    expect(turn.answer).toContain(`more characters in the full answer at ${turn.resultRef}`);
    await expect(stores.payloads.get(turn.resultRef!)).resolves.toBe(answer);
  });

  it('sends long approval arguments by reference, with a preview', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const file = path.join(root, 'y'.repeat(20_000));

    const first = await runTurn(readContainerConfig(containerEnv(root, {}, { task: `record ${file}` })), dependenciesFor(stores));

    const [approval] = first.approvals!;
    expect(approval.args).toBeUndefined();
    expect(approval.argsRef).toBe(`stepwise-payload:approvals/${approval.approvalId}/args`);
    expect(approval.argsPreview!.length).toBeLessThanOrEqual(501);
    await expect(stores.payloads.get(approval.argsRef!)).resolves.toEqual({ file, line: 'recorded' });
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(2_000);
  });

  it('invokes tools that have a function through the Lambda API, with the idempotency key', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    wire.onInvoke(() => ({ payload: { ok: true, result: { text: 'from lambda' } } }));
    const config = readContainerConfig(containerEnv(root, { STEPWISE_TOOL_FUNCTIONS: JSON.stringify({ echo: 'stepwise-echo' }) }));

    await runTurn(config, dependenciesFor(createStores({ kind: 'file', root })));

    expect(wire.invocations).toHaveLength(1);
    expect(wire.invocations[0]).toMatchObject({ functionName: 'stepwise-echo', invocationType: 'RequestResponse', logType: 'Tail' });
    expect(wire.invocations[0].payload).toMatchObject({ arguments: { text: expect.stringMatching(/^record /) }, idempotencyKey: `${config.executionArn}:offline_1_1` });
  });

  it('ends the turn retryable when the Lambda API cannot be reached, and the call is invoked again with the same key', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    // Every attempt of the first invocation loses its connection; then the API works again.
    let dropped = 0;
    wire.onInvoke(() => (dropped++ < AwsRetryDefaults.maxAttempts ? DROP : { payload: { ok: true, result: { text: 'from lambda' } } }));
    const config = readContainerConfig(containerEnv(root, { STEPWISE_TOOL_FUNCTIONS: JSON.stringify({ echo: 'stepwise-echo' }) }));

    const interrupted = runTurn(config, dependenciesFor(stores));

    await expect(interrupted).rejects.toMatchObject({ code: 'Stepwise.ToolOutcomeUnknown' });
    const committed = (await loadRunState(stores.checkpoints, EXECUTION_ARN))!;
    expect(committed.ledger.offline_1_1.status).toBe('started');
    const again = await runTurn(config, dependenciesFor(stores));
    expect(again.status).toBe('AWAITING_APPROVAL');
    const keys = wire.invocations.map((call) => (call.payload as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toEqual(Array.from({ length: AwsRetryDefaults.maxAttempts + 1 }, () => `${EXECUTION_ARN}:offline_1_1`));
  });

  it('ends the turn retryable when the event log cannot take the approval request, and the next attempt logs it before waiting', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    let refused = 0;
    // The container's event log refuses one write (a full disk, a throttled table), then works again.
    const events = {
      append: async (executionId: string, batch: readonly StepwiseEvent[]) => {
        if (refused === 0 && batch.some((event) => event.type === 'approval.requested')) {
          refused += 1;
          throw new Error('ENOSPC: no space left on device, write');
        }
        return stores.events.append(executionId, batch);
      },
      read: stores.events.read.bind(stores.events),
    };
    const config = readContainerConfig(containerEnv(root));

    const lost = runTurn(config, dependenciesFor({ ...stores, events }));

    // Not an AWAITING_APPROVAL turn that no client hears of (stepwise run would wait until the approval timeout).
    await expect(lost).rejects.toMatchObject({ code: 'Stepwise.EventLogUnavailable', message: expect.stringContaining('ENOSPC') });
    const again = await runTurn(config, dependenciesFor({ ...stores, events }));
    expect(again.status).toBe('AWAITING_APPROVAL');
    const logged = (await stores.events.read(EXECUTION_ARN)).map((entry) => entry.event);
    expect(logged.filter((event) => event.type === 'approval.requested')).toEqual([expect.objectContaining({ approvalId: again.approvals![0].approvalId, tool: 'record_call' })]);
    expect(existsSync(path.join(root, 'side-effects.txt'))).toBe(false);
  });

  it('continues the conversation of an earlier execution with the same sessionId', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const stores = createStores({ kind: 'file', root });
    const file = path.join(root, 'side-effects.txt');
    const input = { task: `record ${file}`, sessionId: 'chat-1' };
    const first = await runTurn(readContainerConfig(containerEnv(root, {}, input)), dependenciesFor(stores));
    await decide(stores, first.approvals![0], { Error: 'Stepwise.ApprovalRejected', Cause: 'no' });
    await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_TURN: '2' }, input)), dependenciesFor(stores));

    const followUpArn = 'arn:aws:states:us-east-1:000000000000:execution:recorder:two';
    await runTurn(readContainerConfig(containerEnv(root, { STEPWISE_EXECUTION_ARN: followUpArn }, input)), dependenciesFor(stores));

    const messages = (await loadRunState(stores.checkpoints, followUpArn))!.messages;
    expect(messages.filter((message) => message.role === 'user' && message.content.startsWith('record '))).toHaveLength(2);
    expect(messages.some((message) => message.content === 'rejected by human operator: no')).toBe(true);
  });
});

describe('the container entrypoint', () => {
  it('heartbeats on its token and fails the task with Stepwise.InvalidInput naming a missing variable', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    const { STEPWISE_AGENT: _agent, ...env } = containerEnv(root);

    const code = await main({ ...env, STEPWISE_HEARTBEAT_SECONDS: '5' });

    expect(code).toBe(1);
    expect(actionInputs('SendTaskHeartbeat')[0]).toEqual({ taskToken: 'token-1' });
    expect(actionInputs('SendTaskFailure')[0]).toEqual({ taskToken: 'token-1', error: 'Stepwise.InvalidInput', cause: 'The container needs STEPWISE_AGENT, which is not set' });
  });

  it('fails the task naming STEPWISE_CONTAINER_V8 when it names no tuning', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));

    const code = await main(containerEnv(root, { STEPWISE_CONTAINER_V8: 'turbo' }));

    expect(code).toBe(1);
    expect(actionInputs('SendTaskFailure')[0]).toEqual({ taskToken: 'token-1', error: 'Stepwise.InvalidInput', cause: 'STEPWISE_CONTAINER_V8 must be "node" or "lean", got "turbo"' });
  });

  it('reports the turn output with SendTaskSuccess', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));

    const code = await main(containerEnv(root));

    expect(code).toBe(0);
    const output = JSON.parse(String(actionInputs('SendTaskSuccess')[0].output));
    expect(output).toMatchObject({ status: 'AWAITING_APPROVAL', iterations: 2, approvals: [expect.objectContaining({ tool: 'record_call' })] });
  });

  it('on SIGTERM hands the turn back with Stepwise.ContainerStopped, keeping the last checkpoint', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-task-'));
    // ECS stops the task while the container waits for the tool's function.
    wire.onInvoke(() => {
      process.emit('SIGTERM', 'SIGTERM');
      return new Promise(() => undefined);
    });

    const code = await main(containerEnv(root, { STEPWISE_TOOL_FUNCTIONS: JSON.stringify({ echo: 'stepwise-echo' }) }));

    expect(code).toBe(1);
    expect(actionInputs('SendTaskSuccess')).toHaveLength(0);
    expect(actionInputs('SendTaskFailure')[0]).toMatchObject({ taskToken: 'token-1', error: 'Stepwise.ContainerStopped' });
    const committed = (await loadRunState(createStores({ kind: 'file', root }).checkpoints, EXECUTION_ARN))!;
    expect(committed.status).toBe('RUNNING');
    expect(committed.ledger.offline_1_1.status).toBe('started');
  });
});
