import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, RedriveExecutionCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { containerPids, countLines, outboxLines, pendingApproval, sfnClient, startAgent, startLedgerEngine, temporaryProject, waitFor, waitForEnd } from './e2e-harness';

describe('executions over time, end to end on the local engine', () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;
  let sfn: SFNClient;

  beforeEach(async () => {
    project = temporaryProject();
    engine = await startLedgerEngine(project.root);
    sfn = sfnClient(engine);
  });

  afterEach(async () => {
    await engine.stop();
    project.cleanup();
  });

  it('runs two concurrent executions to completion independently', async () => {
    const [tea, coffee] = await Promise.all([startAgent(sfn, 'ledger', { task: 'tea' }), startAgent(sfn, 'ledger', { task: 'coffee' })]);
    const [teaApproval, coffeeApproval] = await Promise.all([pendingApproval(engine, tea), pendingApproval(engine, coffee)]);

    // Answered in the other order than they were started: each token resumes only its own execution.
    await sfn.send(new SendTaskSuccessCommand({ taskToken: coffeeApproval.taskToken, output: '{"approved":true}' }));
    const coffeeDone = await waitForEnd(sfn, coffee);
    const teaMeanwhile = await sfn.send(new DescribeExecutionCommand({ executionArn: tea }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: teaApproval.taskToken, output: '{"approved":true}' }));
    const teaDone = await waitForEnd(sfn, tea);

    expect(teaMeanwhile.status).toBe('RUNNING');
    expect(coffeeDone.status).toBe('SUCCEEDED');
    expect(teaDone.status).toBe('SUCCEEDED');
    expect(JSON.parse(coffeeDone.output!).answer).toBe('observed: lookup={"topic":"coffee","facts":"facts about coffee"} | write_entry={"written":"entry: coffee"}');
    expect(JSON.parse(teaDone.output!).answer).toBe('observed: lookup={"topic":"tea","facts":"facts about tea"} | write_entry={"written":"entry: tea"}');
    expect(outboxLines(project.outbox, 'effects.log').sort()).toEqual([`entry: coffee ${coffee}:${coffeeApproval.callId}`, `entry: tea ${tea}:${teaApproval.callId}`].sort());
  });

  it('keeps an approval answerable with its token across an engine restart', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const approval = await pendingApproval(engine, executionArn);

    await engine.stop();
    engine = await startLedgerEngine(project.root);
    sfn = sfnClient(engine);
    const waiting = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: '{"approved":true}' }));
    const execution = await waitForEnd(sfn, executionArn);

    expect(waiting.status).toBe('RUNNING');
    expect(execution.status).toBe('SUCCEEDED');
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${executionArn}:${approval.callId}`]);
    expect(Object.values(countLines(outboxLines(project.outbox, 'lookups.log')))).toEqual([1]);
  });

  it('fails an execution the engine stopped under with Stepwise.EngineRestarted, and redrive completes it without re-running completed calls', async () => {
    const executionArn = await startAgent(sfn, 'steady', { task: 'tea' });
    const claims = path.join(project.outbox, 'claims');
    await waitFor(() => existsSync(claims) && readdirSync(claims).length === 1, { what: 'slow_write to start' });
    const [claimed] = readdirSync(claims).map(decodeURIComponent);

    await engine.stop();
    expect(containerPids(executionArn)).toEqual([]);
    engine = await startLedgerEngine(project.root);
    sfn = sfnClient(engine);
    const failed = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    expect(failed).toMatchObject({ status: 'FAILED', error: 'Stepwise.EngineRestarted', redriveStatus: 'REDRIVABLE' });
    expect(failed.cause).toBe(`The local engine stopped while this execution was running; run \`stepwise redrive ${executionArn}\` to resume from its last checkpoint.`);

    await sfn.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await waitForEnd(sfn, executionArn);

    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(JSON.parse(redriven.output!).answer).toMatch(/^observed: lookup=.* \| slow_write=.* \| lookup=/);
    await waitFor(() => outboxLines(project.outbox, 'effects.log').length > 0, { what: 'the side effect' });
    expect(outboxLines(project.outbox, 'effects.log')).toEqual([`entry: tea ${claimed}`]);
    expect(outboxLines(project.outbox, 'dedupes.log')).toEqual([claimed]);
    expect(countLines(outboxLines(project.outbox, 'lookups.log'))).toEqual({ [`${executionArn}:offline_1_1`]: 1, [`${executionArn}:offline_3_1`]: 1 });
    const types = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((event) => event.type);
    expect(types.filter((type) => type === 'ExecutionFailed' || type === 'ExecutionRedriven' || type === 'ExecutionSucceeded')).toEqual([
      'ExecutionFailed',
      'ExecutionRedriven',
      'ExecutionSucceeded',
    ]);
  });
});
