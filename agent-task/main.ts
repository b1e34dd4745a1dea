import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { startHeartbeat } from './heartbeat';

// Only the Step Functions client and the heartbeat load before the first heartbeat goes out: the
// framework, the model client and the tools take a second or more to load on a busy machine, and
// the workflow must not take that for a dead container.
const TASK_TOKEN = 'STEPWISE_TASK_TOKEN';
const HEARTBEAT_SECONDS = 'STEPWISE_HEARTBEAT_SECONDS';
const DEFAULT_HEARTBEAT_SECONDS = 20;

/** Step Functions accepts at most 256 characters of error name and 32,768 of cause. */
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The container entrypoint: read the contract from the environment, run one turn, and report
 * the outcome with SendTaskSuccess (the turn output) or SendTaskFailure (a named error).
 * Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_LAMBDA`).
 *
 * @example
 * // node dist/agent-task/main.js, with the environment the RunAgent state sets
 * process.exitCode = await main(process.env);
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const sfn = new SFNClient({});
  const taskToken = env[TASK_TOKEN];
  if (!taskToken) {
    process.stderr.write(`stepwise agent-task: ${TASK_TOKEN} is not set; this program is started by the workflow's RunAgent state.\n`);
    return 2;
  }
  const controller = new AbortController();
  const requested = Number(env[HEARTBEAT_SECONDS]);
  const stopHeartbeat = startHeartbeat(sfn, taskToken, Number.isFinite(requested) && requested > 0 ? requested : DEFAULT_HEARTBEAT_SECONDS, (error) => {
    process.stderr.write(`stepwise agent-task: the workflow no longer waits for this task (${error.name}); stopping.\n`);
    controller.abort(error);
  });
  try {
    const { ErrorName, StepwiseError, describeError } = require('../framework') as typeof import('../framework');
    const fail = async (error: unknown): Promise<number> => {
      const { name, message } = describeError(error);
      const errorName = error instanceof StepwiseError ? error.code : ErrorName.InternalError;
      process.stderr.write(`stepwise agent-task: ${name}: ${message}\n`);
      await sfn.send(new SendTaskFailureCommand({ taskToken, error: clip(errorName, 256), cause: clip(message, 32_000) }));
      return 1;
    };
    try {
      const { readContainerConfig } = require('./environment') as typeof import('./environment');
      const { runTurn, storesFor } = require('./turn') as typeof import('./turn');
      const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
      const config = readContainerConfig(env);
      const startedAt = Date.now() - process.uptime() * 1000;
      const output = await runTurn(config, { stores: storesFor(config), lambda: new LambdaClient({}), startedAt }, controller.signal);
      if (controller.signal.aborted) return 1;
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      process.stdout.write(`stepwise agent-task: ${config.agent} turn ended ${output.status} after ${output.iterations} iterations\n`);
      return 0;
    } catch (error) {
      return await fail(error);
    }
  } finally {
    stopHeartbeat();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`stepwise agent-task: could not report to Step Functions: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
