import { GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { defaultPriceTable, type CostBreakdown } from '../../framework';
import type { LocalEngine } from '../../local';
import { runCli } from '../helpers/cli';
import { pendingApproval, sfnClient, startAgent, startLedgerEngine, temporaryProject, waitForEnd } from './e2e-harness';

/** How many states the execution entered, from the engine's AWS-shaped history: what Step Functions bills. */
async function statesEntered(sfn: SFNClient, executionArn: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    count += (page.events ?? []).filter((event) => event.type?.endsWith('StateEntered')).length;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

/** The lines of a cost add up to its total, each priced at the default us-east-1 list prices. */
function expectConsistent(cost: CostBreakdown): void {
  const fargate = defaultPriceTable.fargate.x86_64;
  expect(cost.container.usd).toBeCloseTo((cost.container.vcpuSeconds * fargate.vcpuHour + cost.container.gbSeconds * fargate.gbHour) / 3600, 7);
  expect(cost.lambda.usd).toBeCloseTo(cost.lambda.requests * 0.2e-6 + cost.lambda.gbSeconds * defaultPriceTable.lambda.gbSecond, 7);
  expect(cost.stepFunctions.usd).toBeCloseTo((cost.stepFunctions.stateTransitions * 0.025) / 1000, 8);
  expect(cost.totalUsd).toBeCloseTo((cost.model.usd ?? 0) + cost.container.usd + cost.lambda.usd + cost.stepFunctions.usd, 7);
}

describe('the cost of an execution on the local engine', () => {
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

  it('is in the execution output line by line: two container turns, four Lambda requests, the states it entered', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    const approval = await pendingApproval(engine, executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true }) }));
    const execution = await waitForEnd(sfn, executionArn);

    const output = JSON.parse(execution.output!) as { costUsd: number; cost: CostBreakdown };
    const { cost } = output;
    expect(cost).toMatchObject({ region: 'us-east-1', model: { usd: 0, unpriced: [] } });
    // Each turn is billed at least Fargate's minute, at the default task size (1 vCPU, 2 GB, x86_64).
    expect(cost.container).toMatchObject({ turns: 2, architecture: 'x86_64' });
    expect(cost.container.billedSeconds).toBeGreaterThanOrEqual(120);
    expect(cost.container.vcpuSeconds).toBe(cost.container.billedSeconds);
    expect(cost.container.gbSeconds).toBe(cost.container.billedSeconds * 2);
    // lookup and write_entry through the Lambda API, the approval notifier and the decision recorder.
    expect(cost.lambda.requests).toBe(4);
    expect(cost.lambda.gbSeconds).toBeGreaterThan(0);
    expect(cost.stepFunctions.stateTransitions).toBe(await statesEntered(sfn, executionArn));
    expectConsistent(cost);
    expect(output.costUsd).toBe(cost.totalUsd);
  });

  it.each([
    ['a rejected approval', 'ledger', true],
    ['an approval that timed out', 'ledger_hasty', false],
  ])('counts the states of %s as Step Functions does', async (_case, agent, reject) => {
    const executionArn = await startAgent(sfn, agent, { task: 'tea' });
    if (reject) {
      const approval = await pendingApproval(engine, executionArn);
      await sfn.send(new SendTaskFailureCommand({ taskToken: approval.taskToken, error: 'Stepwise.ApprovalRejected', cause: 'no' }));
    }
    const execution = await waitForEnd(sfn, executionArn);

    const { cost } = JSON.parse(execution.output!) as { cost: CostBreakdown };
    expect(cost.stepFunctions.stateTransitions).toBe(await statesEntered(sfn, executionArn));
    expect(cost.lambda.requests).toBe(3); // lookup, the notifier and the decision recorder; write_entry never ran
  });

  it('is what stepwise status --json reports, also for an execution that did not succeed', async () => {
    const executionArn = await startAgent(sfn, 'ledger', { task: 'tea' });
    await pendingApproval(engine, executionArn);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Test.Stopped', cause: 'stopped by the test' }));
    await waitForEnd(sfn, executionArn);

    const result = await runCli(['status', executionArn, '--json', '--endpoint', engine.endpoint], { cwd: project.root, timeoutMs: 30_000 });

    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { status: string; costUsd: number; cost: CostBreakdown };
    expect(status.status).toBe('ABORTED');
    // The first turn paused for the approval: its container, its lookup, and the states up to the approval.
    expect(status.cost.container.turns).toBe(1);
    expect(status.cost.lambda.requests).toBe(2);
    expect(status.costUsd).toBe(status.cost.totalUsd);
    expect(status.costUsd).toBeGreaterThan(0);
    expectConsistent(status.cost);
  });
});
