// A stand-in for the agent container that follows the real env contract (STEPWISE_TASK_TOKEN,
// STEPWISE_INPUT, STEPWISE_DECISIONS, AWS_ENDPOINT_URL_SFN) and talks to the engine with the real
// Step Functions client. What it does is chosen by `scenario` in the execution input:
//   complete        heartbeat, then a COMPLETED turn
//   approvals       first turn asks for 2 approvals; the next turn completes, listing the decisions
//   failed-turn     a FAILED turn (Stepwise.ModelError)
//   task-failure    SendTaskFailure (Custom.Error)
//   exit            exits with code 3 without sending a result
//   hang-once       the first attempt hangs without heartbeats; the next one completes
//   slow            heartbeats every 100 ms and completes after `delayMs` (default 60 s)
// SCRIPTED_MARKER_DIR (static env) holds per-execution marker files for hang-once.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { SFNClient, SendTaskSuccessCommand, SendTaskFailureCommand, SendTaskHeartbeatCommand } = require('@aws-sdk/client-sfn');

const token = process.env.STEPWISE_TASK_TOKEN;
const executionArn = process.env.STEPWISE_EXECUTION_ARN;
const input = JSON.parse(process.env.STEPWISE_INPUT || '{}');
const decisions = JSON.parse(process.env.STEPWISE_DECISIONS || '[]');
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

const succeed = (turn) => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(turn) }));
const completed = (answer) => succeed({ status: 'COMPLETED', answer, usage, costUsd: 0, cost, iterations: 1 });

function outcomeOf(result) {
  if (result.error) return result.error.Error === 'States.Timeout' ? 'timeout' : `rejected(${result.error.Cause})`;
  return result.response && result.response.approved === true ? 'approved' : 'rejected';
}

async function main() {
  console.log(`scripted container: ${input.scenario} for ${executionArn}`);
  await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
  switch (input.scenario) {
    case 'complete':
      return completed(`done: ${input.task}`);
    case 'approvals':
      if (decisions.length === 0) {
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
      return completed(decisions.map((result) => `${result.approval.approvalId}:${outcomeOf(result)}`).join(','));
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
