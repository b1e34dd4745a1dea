import { awsCredentials } from '../framework/aws/credentials';
import { stepFunctionsApi } from '../framework/aws/step-functions-api';
import { startHeartbeat } from './heartbeat';

// Only the Step Functions client and the heartbeat load before the first heartbeat goes out (and,
// in `start()`, the V8 tuning before them): the framework, the model client and the tools take a
// second or more to load on a busy machine, and the workflow must not take that for a dead container. The container reaches Step Functions and
// Lambda with its own small signed client (framework/aws/), not the AWS SDK: it makes a handful of
// calls, and the SDK's clients were 1 MB of its code (docs/ARCHITECTURE.md, "The container bundle").
const TASK_TOKEN = 'STEPWISE_TASK_TOKEN';
const HEARTBEAT_SECONDS = 'STEPWISE_HEARTBEAT_SECONDS';
/** `ContainerEnv.EngineLifeline`, repeated: the state-machines module is not loaded yet. */
const ENGINE_LIFELINE = 'STEPWISE_ENGINE_LIFELINE';
const DEFAULT_HEARTBEAT_SECONDS = 20;

/** Step Functions accepts at most 256 characters of error name and 32,768 of cause (`AwsLimits`, repeated: the framework is not loaded yet). */
const TASK_ERROR_CHARS = 256;
const TASK_CAUSE_CHARS = 32_768;

/** The exit code of a container whose local engine went away: nobody can receive its result any more. */
export const ENGINE_GONE_EXIT_CODE = 129;

/** Cut to `max` characters, saying so: the whole text is in the container's log (stderr) just before. */
const clip = (text: string, max: number): string => {
  if (text.length <= max) return text;
  const note = `… [${text.length} characters in all; the whole text is in the container's log]`;
  return `${text.slice(0, Math.max(0, max - note.length))}${note}`;
};

/**
 * When the local engine started this process, it holds an IPC channel to it (and says so with
 * `STEPWISE_ENGINE_LIFELINE=ipc`). If the engine dies (even `kill -9`), the channel closes and the
 * container exits at once: an orphan would go on calling tools through an API that is gone and
 * could never report its turn. On ECS there is no channel and nothing is watched.
 */
function exitWithEngine(env: NodeJS.ProcessEnv): void {
  if (env[ENGINE_LIFELINE] !== 'ipc' || !process.channel) return;
  // The channel must not keep the process alive once its turn is done.
  process.channel.unref();
  process.once('disconnect', () => {
    process.stderr.write('stepwise agent-task: the local engine that started this container is gone; exiting (its last checkpoint stands).\n');
    process.exit(ENGINE_GONE_EXIT_CODE);
  });
}

/**
 * The container entrypoint: read the contract from the environment, run one turn, and report
 * the outcome with SendTaskSuccess (the turn output) or SendTaskFailure (a named error).
 * Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_LAMBDA`).
 * On SIGTERM (ECS stopping the task) it aborts the turn, keeps its last checkpoint, and fails the
 * task with `Stepwise.ContainerStopped`, which the workflow retries at once.
 *
 * @example
 * // node dist/agent-task/main.js, with the environment the RunAgent state sets
 * process.exitCode = await main(process.env);
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  exitWithEngine(env);
  // One provider for both clients: one fetch and one refresh of the task role's credentials.
  const credentials = awsCredentials(env);
  const sfn = stepFunctionsApi(env, { credentials });
  const taskToken = env[TASK_TOKEN];
  if (!taskToken) {
    process.stderr.write(`stepwise agent-task: ${TASK_TOKEN} is not set; this program is started by the workflow's RunAgent state.\n`);
    return 2;
  }
  const controller = new AbortController();
  /** Set when Step Functions says nobody waits for this task any more: there is nobody to report to. */
  let taskLost = false;
  const requested = Number(env[HEARTBEAT_SECONDS]);
  const stopHeartbeat = startHeartbeat(sfn, taskToken, Number.isFinite(requested) && requested > 0 ? requested : DEFAULT_HEARTBEAT_SECONDS, (error) => {
    process.stderr.write(`stepwise agent-task: the workflow no longer waits for this task (${error.name}); stopping.\n`);
    taskLost = true;
    controller.abort(error);
  });
  const onTerminate = (): void => {
    process.stderr.write('stepwise agent-task: SIGTERM: stopping the turn; the workflow runs it again from the last checkpoint.\n');
    const { ContainerStoppedError } = require('../framework') as typeof import('../framework');
    controller.abort(new ContainerStoppedError('SIGTERM: the task is being stopped'));
  };
  process.once('SIGTERM', onTerminate);
  try {
    const { ErrorName, StepwiseError, describeError } = require('../framework') as typeof import('../framework');
    const fail = async (error: unknown): Promise<number> => {
      const { name, message } = describeError(error);
      const errorName = error instanceof StepwiseError ? error.code : ErrorName.InternalError;
      process.stderr.write(`stepwise agent-task: ${name}: ${message}\n`);
      if (taskLost) return 1;
      await sfn.sendTaskFailure(taskToken, { error: clip(errorName, TASK_ERROR_CHARS), cause: clip(message, TASK_CAUSE_CHARS) });
      return 1;
    };
    try {
      const { readContainerConfig } = require('./environment') as typeof import('./environment');
      const { runTurn, storesFor } = require('./turn') as typeof import('./turn');
      const { lambdaInvokeApi } = require('../framework/aws/lambda-invoke-api') as typeof import('../framework/aws/lambda-invoke-api');
      const config = readContainerConfig(env);
      const startedAt = Date.now() - process.uptime() * 1000;
      const output = await runTurn(config, { stores: storesFor(config), lambda: lambdaInvokeApi(env, { credentials }), sfn, startedAt }, controller.signal);
      if (taskLost) return 1;
      await sfn.sendTaskSuccess(taskToken, JSON.stringify(output));
      process.stdout.write(`stepwise agent-task: ${config.agent} turn ${config.turn} ended ${output.status} after ${output.iterations} iterations\n`);
      return 0;
    } catch (error) {
      return await fail(error);
    }
  } finally {
    process.removeListener('SIGTERM', onTerminate);
    stopHeartbeat();
  }
}

/**
 * Tunes V8 as the environment asks (`tuneV8FromEnvironment`), runs the container (`main`) and sets
 * the exit code: what `node dist/agent-task/main.js` and the bundle's `bundle.cjs` do.
 *
 * @example
 * if (require.main === module) start();
 */
export function start(): void {
  // Before main loads the framework: its modules' first run is what grows V8's young generation.
  const { tuneV8FromEnvironment } = require('./v8-tuning') as typeof import('./v8-tuning');
  tuneV8FromEnvironment(process.env);
  main(process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`stepwise agent-task: could not report to Step Functions: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) start();
