// A stand-in for the agent container that follows the real contract (STEPWISE_TASK_TOKEN,
// STEPWISE_EXECUTION_ARN, STEPWISE_TURN, AWS_ENDPOINT_URL_SFN; the input read with
// DescribeExecution, the decisions from the engine's payload store) and talks to the engine with
// the real Step Functions client. What it does is chosen by `scenario` in the execution input:
//   complete        heartbeat, then a COMPLETED turn
//   approvals       turn 1 asks for 2 approvals; turn 2 completes, listing the recorded decisions
//   huge-turn       a COMPLETED turn whose output is just under SendTaskSuccess's limit
//   failed-turn     a FAILED turn (Stepwise.ModelError)
//   task-failure    SendTaskFailure (Custom.Error)
//   exit            exits with code 3 without sending a result
//   hang-once       the first attempt hangs without heartbeats; the next one completes
//   slow            heartbeats every 100 ms and completes after `delayMs` (default 60 s)
//   hang            heartbeats once, then hangs forever
// SCRIPTED_MARKER_DIR (static env) is the engine's root: per-execution marker files for hang-once,
// and the payload store (payloads/) where the workflow records decisions.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { SFNClient, DescribeExecutionCommand, SendTaskSuccessCommand, SendTaskFailureCommand, SendTaskHeartbeatCommand } = require('@aws-sdk/client-sfn');
const { FilePayloadStore, PayloadNotFoundError, payloadRef } = require('../../dist/framework/internal');

const token = process.env.STEPWISE_TASK_TOKEN;
const executionArn = process.env.STEPWISE_EXECUTION_ARN;
const turn = Number(process.env.STEPWISE_TURN);
const payloads = new FilePayloadStore({ directory: path.join(process.env.SCRIPTED_MARKER_DIR, 'payloads') });
const sfn = new SFNClient({});
const usage = { inputTokens: 1, outputTokens: 1 };
// The cost every turn output carries (and the execution output passes on): nothing but one offline call.
const cost = {
  totalUsd: 0,
  region: 'us-east-1',
  pricesAsOf: '2025-10',
  model: { usd: 0, byModel: { offline: { inputTokens: 1, outputTokens: 1, usd: 0 } }, unpriced: [] },
  container: { turns: 1, billedSeconds: 0, vcpuSeconds: 0, gbSeconds: 0, architecture: null, usd: 0 },
  lambda: { requests: 0, gbSeconds: 0, usd: 0 },
  stepFunctions: { stateTransitions: 0, usd: 0 },
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const succeed = (output) => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
const completed = (answer) => succeed({ status: 'COMPLETED', answer, resultRef: null, usage, costUsd: 0, cost, iterations: 1 });

async function decisionOf(approvalId) {
  try {
    const decision = await payloads.get(payloadRef(`decisions/${approvalId}`));
    return decision.outcome === 'rejected' ? `rejected(${decision.reason})` : decision.outcome;
  } catch (error) {
    if (error instanceof PayloadNotFoundError) return 'undecided';
    throw error;
  }
}

async function main() {
  // The first heartbeat before anything else, as the real container does.
  await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
  const { input: inputJson } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const input = JSON.parse(inputJson);
  console.log(`scripted container: ${input.scenario} turn ${turn} for ${executionArn}`);
  switch (input.scenario) {
    case 'complete':
      return completed(`done: ${input.task}`);
    case 'huge-turn': {
      // Just under SendTaskSuccess's 262,144 bytes, but the workflow state it lands in is not.
      const turn = { status: 'COMPLETED', answer: '', resultRef: null, usage, costUsd: 0, iterations: 1 };
      turn.answer = 'x'.repeat(262_144 - 5 - JSON.stringify(turn).length);
      return succeed(turn);
    }
    case 'hang':
      // Alive (a timer keeps the process up) but silent: no heartbeat, no result.
      setInterval(() => undefined, 1_000);
      return new Promise(() => undefined);
    case 'approvals':
      if (turn === 1) {
        const approval = (n) => ({
          approvalId: `approval-${n}`,
          callId: `call-${n}`,
          tool: 'send_email',
          args: { to: `person${n}@example.com` },
          reasoning: `email person ${n}`,
          timeoutSeconds: 60,
        });
        return succeed({ status: 'AWAITING_APPROVAL', approvals: [approval(1), approval(2)], usage, costUsd: 0, cost, iterations: 1 });
      }
      return completed((await Promise.all(['approval-1', 'approval-2'].map(async (id) => `${id}:${await decisionOf(id)}`))).join(','));
    case 'failed-turn':
      return succeed({ status: 'FAILED', error: { name: 'Stepwise.ModelError', message: 'the model broke' }, usage, costUsd: 0, cost, iterations: 1 });
    case 'task-failure':
      return sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Custom.Error', cause: 'scripted failure' }));
    case 'exit':
      console.error('something went badly wrong');
      process.exit(3);
      return undefined;
    case 'hang-once': {
      const marker = path.join(process.env.SCRIPTED_MARKER_DIR, encodeURIComponent(executionArn));
      if (!fs.existsSync(marker)) {
        fs.writeFileSync(marker, 'hung');
        await sleep(120_000);
      }
      return completed('recovered after a hang');
    }
    case 'slow': {
      const until = Date.now() + (input.delayMs || 60_000);
      while (Date.now() < until) {
        await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
        await sleep(100);
      }
      return completed('slow and steady');
    }
    default:
      throw new Error(`unknown scenario ${input.scenario}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
  },
);
