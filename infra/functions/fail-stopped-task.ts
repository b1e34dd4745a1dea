import { SendTaskFailureCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { ErrorName } from '../../framework/constants';
import { AGENT_CONTAINER_NAME, ContainerEnv, SEND_TASK_FAILURE_LIMITS } from '../../state-machines';
import { clipCharacters } from '../descriptions';

/** What the stopped-task reporter needs, resolved once at the Lambda's edge. */
export interface StoppedTaskReporterConfig {
  readonly sfn: SFNClient;
  /**
   * The container whose overrides carry the task token.
   * @default AGENT_CONTAINER_NAME
   */
  readonly containerName?: string;
}

/** What the reporter did with one event (its return value, visible in the function's logs and tests). */
export type StoppedTaskReport =
  | { readonly action: 'failed'; readonly error: string; readonly executionArn?: string }
  | { readonly action: 'already-answered'; readonly executionArn?: string }
  | { readonly action: 'ignored'; readonly reason: string };

/** Step Functions errors meaning the token no longer waits: the container answered, the task timed out, or the execution ended. */
const CLOSED_TOKEN_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const environmentSchema = z.array(z.object({ name: z.string(), value: z.string().optional() }));
const detailSchema = z.object({
  taskArn: z.string(),
  lastStatus: z.string(),
  taskDefinitionArn: z.string().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  overrides: z
    .object({ containerOverrides: z.array(z.object({ name: z.string().optional(), environment: environmentSchema.optional() })).optional() })
    .optional(),
  containers: z.array(z.object({ name: z.string().optional(), exitCode: z.number().optional(), reason: z.string().optional() })).optional(),
});
const eventSchema = z.object({ detail: detailSchema });

type TaskDetail = z.output<typeof detailSchema>;

/**
 * Text of a stop a re-run cannot fix: the image does not exist or may not be pulled, a secret is
 * missing or may not be read, the container's command cannot be executed. Checked only when the
 * text names no transient cause (timeouts, throttling, capacity), which a later attempt may not hit.
 */
const PERMANENT_CAUSE = /not found|manifest unknown|does not exist|no such|access ?denied|not authori[sz]ed|unauthorized|forbidden|invalid reference|exec format error|ResourceNotFoundException|DecryptionFailure|InvalidParameter/i;
const TRANSIENT_CAUSE = /time ?out|timed out|deadline exceeded|connection (reset|refused)|toomanyrequests|too many requests|rate ?limit|throttl|try again|temporar|unavailable|capacity|\b50[0234]\b/i;

/**
 * The error the workflow sees for a stopped task: `Stepwise.ContainerStartFailed` (not retried)
 * when the task cannot start as deployed, `Stepwise.ContainerStopped` (retried; the next attempt
 * resumes from the checkpoint) for everything else: ENI or capacity trouble, a network timeout
 * while pulling, Spot interruption, a crash, a stop by someone.
 *
 * @example
 * classifyStoppedTask({ stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: …: not found' });
 * // { error: 'Stepwise.ContainerStartFailed', advice: 'The task cannot start as deployed: …' }
 */
export function classifyStoppedTask(detail: Pick<TaskDetail, 'stopCode' | 'stoppedReason' | 'containers'>): { error: string; advice: string } {
  const text = [detail.stoppedReason ?? '', ...(detail.containers ?? []).map((container) => container.reason ?? '')].join('\n');
  if (PERMANENT_CAUSE.test(text) && !TRANSIENT_CAUSE.test(text)) {
    return {
      error: ErrorName.ContainerStartFailed,
      advice:
        'The task cannot start as deployed, so the workflow does not retry it: check the image in ECR, the model-key secret and the task execution role. Redrive the execution once the cause is fixed outside its task definition revision (a permission, the image pushed back); otherwise redeploy and start a new execution.',
    };
  }
  return { error: ErrorName.ContainerStopped, advice: 'The workflow retries the turn; it resumes from its checkpoint.' };
}

function causeOf(detail: TaskDetail, containerName: string, advice: string): string {
  const container = detail.containers?.find((candidate) => candidate.name === containerName);
  const containerLine = container
    ? ` Container "${containerName}": ${container.exitCode === undefined ? 'no exit code' : `exit code ${container.exitCode}`}${container.reason ? `, ${container.reason}` : ''}.`
    : '';
  const stop = `ECS task ${detail.taskArn}${detail.taskDefinitionArn ? ` (${detail.taskDefinitionArn})` : ''} stopped before its agent container answered`;
  return `${stop} (${detail.stopCode ?? 'no stop code'}): ${detail.stoppedReason ?? 'no reason given'}.${containerLine} ${advice}`;
}

/**
 * The handler of the "ECS Task State Change" rule: when an agent task has stopped, it fails the
 * `RunAgent` task whose token the task carried, with ECS's stopped reason as the cause, so an image
 * that cannot be pulled fails the execution within a minute instead of after three silent
 * heartbeat timeouts. A token that is already closed (the container answered before it exited)
 * is the normal case and is left alone quietly.
 *
 * @example
 * const report = createStoppedTaskReporter({ sfn: new SFNClient({}) });
 * await report(event); // { action: 'failed', error: 'Stepwise.ContainerStartFailed', executionArn: 'arn:aws:states:…' }
 */
export function createStoppedTaskReporter(config: StoppedTaskReporterConfig): (event: unknown) => Promise<StoppedTaskReport> {
  const containerName = config.containerName ?? AGENT_CONTAINER_NAME;
  const ignore = (reason: string): StoppedTaskReport => {
    console.warn(JSON.stringify({ message: 'task state change ignored', reason }));
    return { action: 'ignored', reason };
  };
  return async (event) => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return ignore(`not an ECS task state change: ${issue.path.map(String).join('.') || '(root)'} ${issue.message}`);
    }
    const { detail } = parsed.data;
    if (detail.lastStatus !== 'STOPPED') return ignore(`task ${detail.taskArn} is ${detail.lastStatus}, not STOPPED`);
    const environment = detail.overrides?.containerOverrides?.find((override) => override.name === containerName)?.environment ?? [];
    const variable = (name: string) => environment.find((entry) => entry.name === name)?.value;
    const taskToken = variable(ContainerEnv.TaskToken);
    if (!taskToken) return ignore(`task ${detail.taskArn} has no ${ContainerEnv.TaskToken} override for container "${containerName}": the workflow did not start it`);
    const executionArn = variable(ContainerEnv.ExecutionArn);

    const { error, advice } = classifyStoppedTask(detail);
    const cause = clipCharacters(causeOf(detail, containerName, advice), SEND_TASK_FAILURE_LIMITS.cause);
    try {
      await config.sfn.send(new SendTaskFailureCommand({ taskToken, error: clipCharacters(error, SEND_TASK_FAILURE_LIMITS.error), cause }));
    } catch (failure) {
      const name = (failure as { name?: string }).name ?? '';
      if (!CLOSED_TOKEN_ERRORS.has(name)) throw failure;
      console.log(JSON.stringify({ message: 'task stopped after its container answered', taskArn: detail.taskArn, executionArn, answer: name }));
      return { action: 'already-answered', ...(executionArn ? { executionArn } : {}) };
    }
    // Never the token: whoever holds it can answer the task.
    console.log(JSON.stringify({ message: 'failed the task of a stopped container', taskArn: detail.taskArn, executionArn, error, stopCode: detail.stopCode, stoppedReason: detail.stoppedReason }));
    return { action: 'failed', error, ...(executionArn ? { executionArn } : {}) };
  };
}
