import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { ErrorName, StepwiseError, describeError } from '../framework';
import { ContainerEnv } from '../state-machines';
import { readContainerConfig } from './environment';
import { startHeartbeat } from './heartbeat';
import { runTurn, storesFor } from './turn';

/** Step Functions accepts at most 256 characters of error name and 32,768 of cause. */
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The container entrypoint: read the contract from the environment, run one turn, and report
 * the outcome with SendTaskSuccess (the turn output) or SendTaskFailure (a named error).
 * Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_LAMBDA`).
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const sfn = new SFNClient({});
  const taskToken = env[ContainerEnv.TaskToken];
  if (!taskToken) {
    process.stderr.write(`stepwise agent-task: ${ContainerEnv.TaskToken} is not set; this program is started by the workflow's RunAgent state.\n`);
    return 2;
  }
  const fail = async (error: unknown): Promise<number> => {
    const { name, message } = describeError(error);
    const errorName = error instanceof StepwiseError ? error.code : ErrorName.InternalError;
    process.stderr.write(`stepwise agent-task: ${name}: ${message}\n`);
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: clip(errorName, 256), cause: clip(message, 32_000) }));
    return 1;
  };
  let config;
  try {
    config = readContainerConfig(env);
  } catch (error) {
    return fail(error);
  }
  const controller = new AbortController();
  const stopHeartbeat = startHeartbeat(sfn, taskToken, config.heartbeatSeconds, (error) => {
    process.stderr.write(`stepwise agent-task: the workflow no longer waits for this task (${error.name}); stopping.\n`);
    controller.abort(error);
  });
  try {
    const output = await runTurn(config, { stores: storesFor(config), lambda: new LambdaClient({}) }, controller.signal);
    if (controller.signal.aborted) return 1;
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    process.stdout.write(`stepwise agent-task: ${config.agent} turn ended ${output.status} after ${output.iterations} iterations\n`);
    return 0;
  } catch (error) {
    return fail(error);
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
