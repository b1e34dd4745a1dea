import { AwsLimits, utf8Bytes } from '../../framework/limits';
import { StatesError } from '../../state-machines';
import { ExecutionStatus, LocalErrorName, RedriveStatus } from '../constants';
import { interpreterDefinition, valueAtPath, type AslDefinition, type TaskStateInfo } from './definition';
import type { ExecutionHistory } from './execution-history';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from './interpreter';
import { HistoryEventType } from './history-event';
import { ReusableTasks } from './reusable-tasks';
import { buildTaskHandlers, type TaskHandlerContext } from './task-handlers';
import { mintTaskToken } from './task-tokens';
import type { ExecutionRecord, Json, ResumePoint } from './types';

type InterpreterEvent = {
  type: string;
  timestamp: number;
  index?: number;
  parentState?: { name: string; type: string };
  state?: { name: string; type: string; input: Json; output?: Json };
  Error?: string;
  Cause?: unknown;
};

/** How a run starts: from the beginning, or re-entering a state after a restart or a redrive. */
export type RunStart = { readonly kind: 'fresh' } | { readonly kind: 'resume' | 'redrive'; readonly point: ResumePoint; readonly reusable: ReusableTasks };

/** What a run needs besides its execution: shared engine parts, minus the per-run fields. */
export type RunDependencies = Omit<TaskHandlerContext, 'execution' | 'signal' | 'mintedTokens' | 'reusable' | 'segment' | 'record'> & {
  readonly definition: AslDefinition;
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  readonly history: ExecutionHistory;
  readonly saveExecution: (execution: ExecutionRecord) => void;
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
};

const describe = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * One attempt at running an execution's definition with the interpreter: translates its events into
 * the AWS-shaped history, remembers where a re-run would re-enter, and settles the execution's status.
 */
export class ExecutionRun {
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private abortInterpreter: () => void = () => undefined;
  private segment: number;
  private reentering: boolean;
  /** Set when the engine shuts down: the run stops without recording anything, so the next start takes over. */
  private detached = false;
  /** Set when a state's input or output was larger than Step Functions carries: the execution fails with it. */
  private limitExceeded: { error: string; cause: string } | undefined;

  constructor(
    private readonly execution: ExecutionRecord,
    private readonly dependencies: RunDependencies,
    start: RunStart,
  ) {
    this.segment = start.kind === 'fresh' ? 0 : start.point.segment;
    this.reentering = start.kind !== 'fresh';
    this.done = this.run(start).catch((error: unknown) => {
      // A bug or an unreadable definition must not leave the execution RUNNING forever.
      this.finish(ExecutionStatus.Failed, { error: LocalErrorName.Runtime, cause: `The local engine could not run the execution: ${String(error)}` });
    });
  }

  /** StopExecution: abort the interpreter and end every container of the execution. */
  stop(): void {
    this.controller.abort();
    this.abortInterpreter();
  }

  /** Engine shutdown: end the run and its containers, leave the persisted state as it is. */
  detach(): void {
    this.detached = true;
    this.stop();
  }

  private record = (event: Parameters<ExecutionHistory['record']>[0], timestamp?: number) => {
    if (!this.detached) this.dependencies.history.record(event, timestamp);
  };

  private save(): void {
    if (!this.detached) this.dependencies.saveExecution(this.execution);
  }

  private async run(start: RunStart): Promise<void> {
    const { execution, dependencies } = this;
    const mintedTokens = new Set<string>();
    const context: TaskHandlerContext = {
      ...dependencies,
      execution,
      signal: this.controller.signal,
      mintedTokens,
      reusable: start.kind === 'fresh' ? new ReusableTasks() : start.reusable,
      segment: () => this.segment,
      record: (event) => this.record(event),
    };
    // Validated when the state machine was registered; re-entering elsewhere than StartAt would
    // otherwise trip the validator's "state is not reachable" check.
    const machine = new StateMachine(
      interpreterDefinition(dependencies.definition, start.kind === 'fresh' ? undefined : start.point.stateName) as never,
      { validationOptions: { noValidate: true } },
    );
    const input: Json = start.kind === 'fresh' ? (JSON.parse(execution.input) as Json) : start.point.input;
    const runContext = {
      Execution: { Id: execution.executionArn, Name: execution.name, RoleArn: `arn:aws:iam::000000000000:role/stepwise-local`, RedriveCount: execution.redriveCount },
      StateMachine: { Id: execution.stateMachineArn, Name: execution.stateMachineName },
      Task: {
        // A getter: each `$$.Task.Token` reference mints a new token, one per Task state entry.
        get Token(): string {
          const token = mintTaskToken();
          mintedTokens.add(token);
          return token;
        },
      },
    };
    const running = machine.run(input as never, {
      context: runContext,
      overrides: {
        taskResourceLocalHandlers: buildTaskHandlers(context, dependencies.tasks) as never,
        retryIntervalOverrides: dependencies.retryIntervalOverrides,
      },
    });
    this.abortInterpreter = running.abort;
    const translated = this.translate(running.eventLogs as AsyncGenerator<InterpreterEvent>, start.kind === 'fresh');
    let ending: { status: ExecutionStatus; output?: string; error?: string; cause?: string };
    try {
      const output = await running.result;
      ending = { status: ExecutionStatus.Succeeded, output: JSON.stringify(output) };
    } catch (error) {
      if (this.limitExceeded) ending = { status: ExecutionStatus.Failed, ...this.limitExceeded };
      else if (error instanceof ExecutionAbortedError || this.controller.signal.aborted) ending = { status: ExecutionStatus.Aborted };
      else if (error instanceof ExecutionTimeoutError) {
        ending = { status: ExecutionStatus.TimedOut, error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds.' };
      } else {
        const cause = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : (error as Error);
        ending = { status: ExecutionStatus.Failed, error: cause?.name ?? 'Error', cause: cause?.message ?? String(error) };
      }
    }
    // The interpreter's last events may still be queued: the history must end with them, then the verdict.
    await translated;
    if (this.limitExceeded) ending = { status: ExecutionStatus.Failed, ...this.limitExceeded };
    this.finish(ending.status, ending);
  }

  private finish(status: ExecutionStatus, result: { output?: string; error?: string; cause?: string }): void {
    const { execution, dependencies } = this;
    if (execution.status !== ExecutionStatus.Running || this.detached) return;
    this.controller.abort();
    for (const record of dependencies.tokens.cancelExecution(execution.executionArn)) {
      if (record.approvalId) dependencies.onApprovalClosed(record.approvalId);
    }
    execution.status = status;
    execution.stopDate = Date.now();
    execution.output = result.output;
    execution.error = result.error;
    execution.cause = result.cause;
    const redrivable = status !== ExecutionStatus.Succeeded && execution.resume !== undefined;
    execution.redriveStatus = redrivable ? RedriveStatus.Redrivable : RedriveStatus.NotRedrivable;
    execution.redriveStatusReason = redrivable ? undefined : `Execution is ${status} and cannot be redriven`;
    this.save();
    if (status === ExecutionStatus.Succeeded) {
      this.record({ type: HistoryEventType.ExecutionSucceeded, executionSucceededEventDetails: { output: result.output ?? 'null', outputDetails: { truncated: false } } });
    } else if (status === ExecutionStatus.Failed) {
      this.record({ type: HistoryEventType.ExecutionFailed, executionFailedEventDetails: { error: result.error, cause: result.cause } });
    } else if (status === ExecutionStatus.TimedOut) {
      this.record({ type: HistoryEventType.ExecutionTimedOut, executionTimedOutEventDetails: { error: result.error, cause: result.cause } });
    }
    // An abort is recorded by the engine's StopExecution, with the caller's error and cause.
  }

  /**
   * Step Functions fails an execution whose state input or output exceeds 262,144 bytes with
   * `States.DataLimitExceeded`, which no `States.ALL` catcher can catch. The interpreter has no such
   * limit, so the engine checks every state it reports and stops the run at the first excess.
   */
  private checkPayload(stateName: string, value: Json | undefined, what: 'input' | 'output'): void {
    if (this.limitExceeded) return;
    const bytes = utf8Bytes(JSON.stringify(value ?? null));
    if (bytes <= AwsLimits.payloadBytes) return;
    this.limitExceeded = {
      error: StatesError.DataLimitExceeded,
      cause: `The state/task '${stateName}' ${what === 'output' ? 'returned a result' : 'was entered with an input'} with a size exceeding the maximum number of bytes service limit (${bytes} bytes > ${AwsLimits.payloadBytes}).`,
    };
    this.controller.abort();
    this.abortInterpreter();
  }

  private async translate(events: AsyncGenerator<InterpreterEvent>, fresh: boolean): Promise<void> {
    for await (const event of events) this.translateOne(event, fresh);
  }

  private translateOne(event: InterpreterEvent, fresh: boolean): void {
    const at = event.timestamp;
    const state = event.state;
    const topLevel = event.index === undefined && event.parentState === undefined;
    switch (event.type) {
      case 'ExecutionStarted':
        if (fresh) {
          this.record(
            {
              type: HistoryEventType.ExecutionStarted,
              executionStartedEventDetails: { input: this.execution.input, inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::000000000000:role/stepwise-local' },
            },
            at,
          );
        }
        return;
      case 'StateEntered':
        if (!state) return;
        this.checkPayload(state.name, state.input, 'input');
        if (topLevel) {
          if (this.reentering) this.reentering = false;
          else this.segment += 1;
          this.execution.resume = { stateName: state.name, input: state.input, segment: this.segment };
          this.save();
        }
        this.record({ type: `${state.type}StateEntered`, stateEnteredEventDetails: { name: state.name, input: describe(state.input), inputDetails: { truncated: false } } }, at);
        if (state.type === 'Map') {
          const items = valueAtPath(state.input, this.mapItemsPath(state.name));
          this.record({ type: HistoryEventType.MapStateStarted, mapStateStartedEventDetails: Array.isArray(items) ? { length: items.length } : {} }, at);
        }
        return;
      case 'StateExited':
        if (!state) return;
        this.checkPayload(state.name, state.output, 'output');
        if (state.type === 'Map') this.record({ type: HistoryEventType.MapStateSucceeded }, at);
        this.record({ type: `${state.type}StateExited`, stateExitedEventDetails: { name: state.name, output: describe(state.output), outputDetails: { truncated: false } } }, at);
        return;
      case 'StateFailed':
        if (state?.type === 'Map') this.record({ type: HistoryEventType.MapStateFailed }, at);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails` as 'mapIterationStartedEventDetails';
        this.record({ type: event.type, [key]: { name: event.parentState?.name ?? '', index: event.index ?? 0 } }, at);
        return;
      }
      default:
        return;
    }
  }

  private mapItemsPath(stateName: string): string | undefined {
    return this.dependencies.definition.States[stateName]?.ItemsPath;
  }
}
