import { createHash, randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { AwsLimits, utf8Bytes } from '../../framework/limits';
import { LocalAws, LocalDefaults, LocalErrorName } from '../constants';
import type { ContainerRunner } from '../container/container-runner';
import type { ContainerSlots } from '../container/container-slots';
import { functionNameOf, type LambdaRegistry } from '../lambda-api/lambda-registry';
import { StatesError, TaskResource } from '../../state-machines';
import type { TaskStateInfo } from './definition';
import { HistoryEventType, type NewHistoryEvent } from './history-event';
import type { ReusableTasks } from './reusable-tasks';
import { runTaskResponse } from './run-task-response';
import { TaskStateError } from './task-error';
import { outcomeError, type TaskTokens } from './task-tokens';
import type { ExecutionRecord, Json, TaskKind, TaskRecord } from './types';

/** How the engine imitates AWS where it could do better (see `EngineOptions.awsFaithful`). */
export interface AwsFaithfulOptions {
  /**
   * Seconds a container takes to start after RunTask (image pull, ENI attach) in which it cannot
   * send a heartbeat yet.
   * @default 0
   */
  readonly coldStartSeconds?: number;
}

/** Everything a running execution's task handlers share. */
export interface TaskHandlerContext {
  readonly execution: ExecutionRecord;
  readonly tokens: TaskTokens;
  readonly lambdas: LambdaRegistry;
  readonly container: ContainerRunner;
  /** The engine-wide cap on running containers: a container waits here for its turn. */
  readonly containerSlots: ContainerSlots;
  readonly containerLogFile: string;
  /** Set: a crashed container is noticed only by its heartbeat timeout, and containers start after a cold start. */
  readonly awsFaithful?: AwsFaithfulOptions;
  /** Aborted when the execution stops: containers end, nothing more is started. */
  readonly signal: AbortSignal;
  /** Tokens minted by `$$.Task.Token` in this run: the handler finds its own in its input. */
  readonly mintedTokens: Set<string>;
  readonly reusable: ReusableTasks;
  readonly segment: () => number;
  readonly record: (event: NewHistoryEvent) => void;
  /** A task that carried an approval closed (any outcome): its pending approval goes away. */
  readonly onApprovalClosed: (approvalId: string) => void;
  readonly log: (line: string) => void;
}

type Handler = (input: Json) => Promise<Json>;

const resourceNames = (resource: string): { resourceType: string; resource: string } => {
  const match = /^arn:aws:states:::([^:]+):(.+)$/.exec(resource);
  if (match) return { resourceType: match[1], resource: match[2] };
  return { resourceType: 'lambda', resource };
};

/** Finds the token this task was given (`$$.Task.Token` in its Parameters) inside its input. */
function findToken(value: Json, minted: Set<string>): string | undefined {
  if (typeof value === 'string') return minted.has(value) ? value : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findToken(item, minted);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const found = findToken(item, minted);
      if (found) return found;
    }
  }
  return undefined;
}

function replaceToken(value: Json, token: string, replacement: string): Json {
  if (typeof value === 'string') return value === token ? replacement : value;
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token, replacement));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token, replacement)]));
  }
  return value;
}

const digest = (value: Json): string => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);

/** The container environment: every `Environment` entry of every container override. */
function containerEnvironment(input: Json): Record<string, string> {
  const env: Record<string, string> = {};
  const overrides = (input as { Overrides?: { ContainerOverrides?: { Environment?: { Name?: unknown; Value?: unknown }[] }[] } })?.Overrides;
  for (const container of overrides?.ContainerOverrides ?? []) {
    for (const entry of container.Environment ?? []) {
      if (typeof entry.Name === 'string') env[entry.Name] = typeof entry.Value === 'string' ? entry.Value : JSON.stringify(entry.Value ?? '');
    }
  }
  return env;
}

/**
 * The Parameters as AWS records them: container environment values are strings there. The engine
 * selects `States.JsonToString` values itself (see `interpreterDefinition`), so encode them here.
 */
function withStringEnvironment(parameters: Json): Json {
  const overrides = (parameters as { Overrides?: { ContainerOverrides?: { Environment?: { Name?: unknown; Value?: unknown }[] }[] } })?.Overrides;
  if (!overrides?.ContainerOverrides) return parameters;
  const containerOverrides = overrides.ContainerOverrides.map((container) => ({
    ...container,
    ...(container.Environment ? { Environment: container.Environment.map((entry) => ({ ...entry, Value: typeof entry.Value === 'string' ? entry.Value : JSON.stringify(entry.Value ?? '') })) } : {}),
  }));
  return { ...(parameters as object), Overrides: { ...overrides, ContainerOverrides: containerOverrides } } as Json;
}

function approvalIdOf(input: Json): string | undefined {
  const approvalId = (input as { Payload?: { approval?: { approvalId?: unknown } } })?.Payload?.approval?.approvalId;
  return typeof approvalId === 'string' ? approvalId : undefined;
}

async function invokeLambda(context: TaskHandlerContext, functionName: unknown, payload: unknown): Promise<Json> {
  if (typeof functionName !== 'string') throw new TaskStateError(LocalErrorName.Runtime, 'The task Parameters name no FunctionName');
  let handler;
  try {
    handler = context.lambdas.resolve(functionName);
  } catch (error) {
    throw new TaskStateError('Lambda.ResourceNotFoundException', (error as Error).message);
  }
  try {
    return ((await handler(payload)) ?? null) as Json;
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    throw new TaskStateError(failure.name || 'Error', failure.message);
  }
}

/** A task result larger than Step Functions carries: the execution fails; `States.ALL` cannot catch it. */
function checkResultSize(resource: string, result: Json): void {
  const bytes = utf8Bytes(JSON.stringify(result) ?? 'null');
  if (bytes <= AwsLimits.payloadBytes) return;
  throw Object.assign(
    new TaskStateError(StatesError.DataLimitExceeded, `The state/task '${resource}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${AwsLimits.payloadBytes}).`),
    { isRetryable: false, isCatchable: false },
  );
}

/** What ECS answers when a RunTask's overrides are too long, as Step Functions reports it. */
function overridesTooLong(chars: number): { error: string; cause: string } {
  return {
    error: LocalErrorName.EcsInvalidParameter,
    cause: `Container Overrides length must be at most ${AwsLimits.runTaskOverridesChars} (Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException; Request ID: ${randomUUID()}; Proxy: null) [the overrides of this RunTask take ${chars} characters]`,
  };
}

/** Ends a task of a stopped execution: neither Retry nor Catch may start anything new. */
const cancelledError = (stateName: string): TaskStateError =>
  Object.assign(new TaskStateError(LocalErrorName.Runtime, `Task state "${stateName}" was cancelled: the execution stopped`), { isRetryable: false, isCatchable: false });

/** A `.waitForTaskToken` task: start the work, then wait for SendTaskSuccess/Failure/Heartbeat or a timeout. */
function waitForTokenHandler(context: TaskHandlerContext, state: TaskStateInfo, kind: TaskKind): Handler {
  const names = resourceNames(state.resource);
  return async (input) => {
    // Let the interpreter's StateEntered event reach the history before this task's events.
    await nextTurn();
    if (context.signal.aborted) throw cancelledError(state.name);
    const minted = findToken(input, context.mintedTokens);
    if (!minted) {
      throw Object.assign(new TaskStateError(LocalErrorName.Runtime, `The Parameters of Task state "${state.name}" do not pass $$.Task.Token, which a .waitForTaskToken task needs`), {
        isRetryable: false,
      });
    }
    const taskKey = `${state.name}:${digest(replaceToken(input, minted, '<token>'))}`;
    const reused = context.reusable.take(taskKey);
    if (reused && reused.status === 'succeeded') return reused.output ?? null;
    if (reused && (reused.status === 'failed' || reused.status === 'timed_out')) throw new TaskStateError(reused.error ?? 'States.TaskFailed', reused.cause ?? '');

    const record: TaskRecord = reused ?? {
      token: minted,
      executionArn: context.execution.executionArn,
      stateName: state.name,
      taskKey,
      segment: context.segment(),
      kind,
      resource: state.resource,
      scheduledAt: Date.now(),
      timeoutAt: state.timeoutSeconds === undefined ? undefined : Date.now() + state.timeoutSeconds * 1000,
      heartbeatSeconds: state.heartbeatSeconds,
      approvalId: kind === 'lambda' ? approvalIdOf(input) : undefined,
      status: 'waiting',
    };
    const token = record.token;
    const parameters = replaceToken(input, minted, token);
    if (!reused) {
      context.record({
        type: HistoryEventType.TaskScheduled,
        taskScheduledEventDetails: {
          ...names,
          region: LocalAws.region,
          parameters: JSON.stringify(withStringEnvironment(parameters)),
          ...(state.timeoutSeconds !== undefined ? { timeoutInSeconds: state.timeoutSeconds } : {}),
          ...(state.heartbeatSeconds !== undefined ? { heartbeatInSeconds: state.heartbeatSeconds } : {}),
        },
      });
      context.record({ type: HistoryEventType.TaskStarted, taskStartedEventDetails: names });
    }
    const outcomePromise = context.tokens.wait(record);
    let submitted: Promise<void> = Promise.resolve();
    const work = new AbortController();
    const stopWork = () => work.abort();
    context.signal.addEventListener('abort', stopWork, { once: true });

    /** Set when the service refused the work itself (ECS RunTask): the task ends TaskSubmitFailed. */
    let submitFailed = false;
    if (!reused && kind === 'container') {
      const request = withStringEnvironment(parameters);
      const overridesChars = JSON.stringify((request as { Overrides?: Json })?.Overrides ?? {}).length;
      if (overridesChars > AwsLimits.runTaskOverridesChars) {
        // ECS refuses the request: no task, no container; the error is ECS's, the retries the definition's.
        const refused = overridesTooLong(overridesChars);
        submitFailed = true;
        context.tokens.failIfWaiting(token, refused.error, refused.cause);
      } else {
        context.record({
          type: HistoryEventType.TaskSubmitted,
          taskSubmittedEventDetails: { ...names, output: JSON.stringify(runTaskResponse(request)), outputDetails: { truncated: false } },
        });
        void startContainer(context, parameters, work.signal, token);
      }
    } else if (kind === 'lambda' && (!reused || reused.submittedAt === undefined)) {
      // A reused task not yet submitted: the engine stopped while its function ran (the approval may
      // not be recorded), so it is invoked again with the same token, as AWS retries a failed invocation.
      const payload = (parameters as { Payload?: unknown })?.Payload;
      submitted = invokeLambda(context, (parameters as { FunctionName?: unknown })?.FunctionName, payload).then(
        (result) => {
          context.tokens.markSubmitted(token);
          context.record({
            type: HistoryEventType.TaskSubmitted,
            taskSubmittedEventDetails: { ...names, output: JSON.stringify({ StatusCode: 200, Payload: result }), outputDetails: { truncated: false } },
          });
        },
        (error: TaskStateError) => context.tokens.failIfWaiting(token, error.name, error.message),
      );
    }

    const outcome = await outcomePromise;
    context.signal.removeEventListener('abort', stopWork);
    if (outcome.kind === 'cancelled') {
      work.abort();
      throw cancelledError(state.name);
    }
    if (outcome.kind === 'timed_out') work.abort();
    else setTimeout(stopWork, LocalDefaults.containerGraceSeconds * 1000).unref();
    // The notifier may still be recording the approval when a fast answer arrives: remove it after that.
    await submitted;
    if (record.approvalId) context.onApprovalClosed(record.approvalId);
    if (outcome.kind === 'succeeded') {
      context.record({
        type: HistoryEventType.TaskSucceeded,
        taskSucceededEventDetails: { ...names, output: JSON.stringify(outcome.output), outputDetails: { truncated: false } },
      });
      return outcome.output;
    }
    const details = { ...names, error: outcome.error, cause: outcome.cause };
    context.record(
      outcome.kind === 'timed_out'
        ? { type: HistoryEventType.TaskTimedOut, taskTimedOutEventDetails: details }
        : submitFailed
          ? { type: HistoryEventType.TaskSubmitFailed, taskSubmitFailedEventDetails: details }
          : { type: HistoryEventType.TaskFailed, taskFailedEventDetails: details },
    );
    throw outcomeError(outcome, state.catchesTimeout);
  };
}

/**
 * Starts the agent container of a RunAgent task once the engine's container cap lets it: until
 * then the task stays scheduled and its heartbeat clock stands still (nothing could send a
 * heartbeat), so load turns into waiting, never into a timeout in the queue. A container that exits
 * without sending a result fails its task at once, unless the engine is AWS-faithful: there, as on
 * ECS, nobody tells Step Functions, and the task ends with its heartbeat timeout. An AWS-faithful
 * cold start delays the container (no heartbeat is possible meanwhile) while the task's heartbeat
 * clock already runs.
 */
async function startContainer(context: TaskHandlerContext, parameters: Json, signal: AbortSignal, token: string): Promise<void> {
  const { containerSlots: slots } = context;
  context.tokens.pauseHeartbeat(token);
  if (slots.active >= slots.max) context.log(`${context.execution.executionArn}: its container waits for a slot (${slots.active} running, at most ${slots.max}; ${slots.waiting} already waiting)`);
  const slot = await slots.acquire(signal);
  if (!slot) return;
  try {
    context.tokens.resumeHeartbeat(token);
    const coldStartMs = (context.awsFaithful?.coldStartSeconds ?? 0) * 1000;
    if (coldStartMs > 0) {
      const started = await sleep(coldStartMs, true, { signal }).catch(() => false);
      if (!started) return;
    }
    const handle = context.container.run(containerEnvironment(parameters), {
      signal,
      logFile: context.containerLogFile,
      executionArn: context.execution.executionArn,
    });
    const exit = await handle.exited;
    if (context.awsFaithful) return;
    const how = exit.code !== null ? `with code ${exit.code}` : `on signal ${exit.signal ?? 'unknown'}`;
    const tail = exit.stderrTail.length ? `; last stderr lines:\n${exit.stderrTail.join('\n')}` : '';
    context.tokens.failIfWaiting(token, 'States.TaskFailed', `The agent container exited ${how} without sending a task result${tail}`);
  } finally {
    slot.release();
  }
}

/** `lambda:invoke` (request/response) and plain function ARNs: call the local function and return its result. */
function lambdaHandler(context: TaskHandlerContext, state: TaskStateInfo): Handler {
  const names = resourceNames(state.resource);
  const isServiceIntegration = state.resource === 'arn:aws:states:::lambda:invoke';
  return async (input) => {
    await nextTurn();
    const functionName = isServiceIntegration ? (input as { FunctionName?: unknown })?.FunctionName : functionNameOf(state.resource);
    const payload = isServiceIntegration ? (input as { Payload?: unknown })?.Payload : input;
    context.record({
      type: HistoryEventType.TaskScheduled,
      taskScheduledEventDetails: { ...names, region: LocalAws.region, parameters: JSON.stringify(input) },
    });
    context.record({ type: HistoryEventType.TaskStarted, taskStartedEventDetails: names });
    // The engine enforces TimeoutSeconds itself (the interpreter's own timer is off), so that a
    // timeout is recorded as AWS records it: TaskTimedOut, then whatever the definition does.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (state.timeoutSeconds === undefined) return;
      timer = setTimeout(
        () => reject(outcomeError({ kind: 'timed_out', error: StatesError.Timeout, cause: 'The task did not finish within its TimeoutSeconds.' }, state.catchesTimeout)),
        state.timeoutSeconds * 1000,
      );
    });
    try {
      const result = await Promise.race([invokeLambda(context, functionName, payload), timeout]);
      const output: Json = isServiceIntegration ? { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: result } : result;
      checkResultSize(state.resource, output);
      context.record({
        type: HistoryEventType.TaskSucceeded,
        taskSucceededEventDetails: { ...names, output: JSON.stringify(output), outputDetails: { truncated: false } },
      });
      return output;
    } catch (error) {
      const failure = error as TaskStateError;
      const details = { ...names, error: failure.name, cause: failure.message };
      context.record(
        failure.name === StatesError.Timeout ? { type: HistoryEventType.TaskTimedOut, taskTimedOutEventDetails: details } : { type: HistoryEventType.TaskFailed, taskFailedEventDetails: details },
      );
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * One local handler per Task state of the definition: containers for `ecs:runTask.waitForTaskToken`,
 * local Lambda functions for `lambda:invoke[.waitForTaskToken]` and function ARNs.
 */
export function buildTaskHandlers(context: TaskHandlerContext, tasks: ReadonlyMap<string, TaskStateInfo>): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  for (const state of tasks.values()) {
    if (state.resource === TaskResource.EcsRunTaskWithToken) handlers[state.name] = waitForTokenHandler(context, state, 'container');
    else if (state.resource === TaskResource.LambdaInvokeWithToken) handlers[state.name] = waitForTokenHandler(context, state, 'lambda');
    else if (state.resource === 'arn:aws:states:::lambda:invoke' || state.resource.startsWith('arn:aws:lambda:')) handlers[state.name] = lambdaHandler(context, state);
    else {
      handlers[state.name] = async () => {
        throw Object.assign(new TaskStateError(LocalErrorName.Runtime, `The local engine cannot run resource "${state.resource}" of Task state "${state.name}"`), {
          isRetryable: false,
        });
      };
    }
  }
  return handlers;
}
