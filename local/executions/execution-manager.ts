import { randomUUID } from 'node:crypto';
import { ExecutionStatus, LocalErrorName, RedriveStatus, SfnErrorCode } from '../constants';
import type { ContainerRunner } from '../container/container-runner';
import type { ContainerSlots } from '../container/container-slots';
import { LocalEngineConfigError, notFoundExecution, sfnError } from '../errors';
import type { LambdaRegistry } from '../lambda-api/lambda-registry';
import { executionArn as buildExecutionArn, isValidName, parseExecutionArn, parseStateMachineArn, stateMachineArn } from '../sfn-api/arn';
import type { EngineStore } from '../store/engine-store';
import { interpreterDefinition, taskStatesOf, type AslDefinition, type TaskStateInfo } from './definition';
import { ExecutionHistory } from './execution-history';
import { ExecutionRun, type RunStart } from './execution-run';
import { HistoryEventType } from './history-event';
import { StateMachine } from './interpreter';
import { ReusableTasks } from './reusable-tasks';
import type { AwsFaithfulOptions } from './task-handlers';
import { TaskTokens } from './task-tokens';
import type { ExecutionRecord, Json } from './types';

/** A state machine registered with the engine. */
export interface RegisteredStateMachine {
  readonly name: string;
  readonly arn: string;
  readonly definition: AslDefinition;
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  readonly creationDate: number;
}

interface Tracked {
  readonly execution: ExecutionRecord;
  readonly history: ExecutionHistory;
  run?: ExecutionRun;
}

/** A state machine's name and definition, as one version of the engine's code has it. */
export interface StateMachineSource {
  readonly name: string;
  readonly definition: AslDefinition;
}

/** The version of the code executions start on when the engine was given no name for it. */
export const INITIAL_CODE_VERSION = 'initial';

/** What the manager needs from the engine. */
export interface ExecutionManagerOptions {
  readonly store: EngineStore;
  readonly lambdas: LambdaRegistry;
  readonly container: ContainerRunner;
  /** The engine-wide cap on running containers. */
  readonly containerSlots: ContainerSlots;
  readonly onApprovalClosed: (approvalId: string) => void;
  readonly log: (line: string) => void;
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  /** See `EngineOptions.awsFaithful`. @default off */
  readonly awsFaithful?: AwsFaithfulOptions;
  /** The version of the code registered first (`register`). @default INITIAL_CODE_VERSION */
  readonly codeVersion?: string;
  /**
   * The state machines of an earlier version of the code, which an execution recorded as the one it
   * started on (after a restart, or to redrive it); undefined when that version is gone.
   * @default none: such executions go on with the current definitions
   */
  readonly loadVersion?: (version: string) => readonly StateMachineSource[] | undefined;
  /** Called when a run ends (its execution finished, failed, or waits for a redrive). */
  readonly onRunEnded?: () => void;
}

/** The cause given to executions the engine found running when it started. */
export const engineRestartedCause = (arn: string): string =>
  `The local engine stopped while this execution was running; run \`stepwise redrive ${arn}\` to resume from its last checkpoint.`;

/**
 * Executions of the registered state machines: starting, describing, stopping and redriving them,
 * and answering their task tokens. Everything it changes is persisted by the engine store.
 */
export class ExecutionManager {
  readonly tokens: TaskTokens;
  /** The state machines of the current version of the code: what new executions start on. */
  private machines = new Map<string, RegisteredStateMachine>();
  private version: string;
  /** Earlier versions that executions started on, by version (loaded when one of them needs it). */
  private readonly earlier = new Map<string, ReadonlyMap<string, RegisteredStateMachine>>();
  private readonly executions = new Map<string, Tracked>();

  constructor(private readonly options: ExecutionManagerOptions) {
    this.tokens = new TaskTokens((record) => this.options.store.saveTasks(record.executionArn, this.tokens.ofExecution(record.executionArn)));
    this.version = options.codeVersion ?? INITIAL_CODE_VERSION;
  }

  /** Registers a state machine; its definition is validated the way the interpreter will run it. */
  register(name: string, definition: AslDefinition): RegisteredStateMachine {
    const machine = validMachine(name, definition, this.machines);
    this.machines.set(name, machine);
    return machine;
  }

  /** The version of the code new executions start on. */
  get codeVersion(): string {
    return this.version;
  }

  /**
   * Makes `machines` the state machines new executions start on, as version `version` of the code
   * (a reload). Running executions keep the definitions they started with, also when redriven.
   * Every definition is checked first: an invalid one changes nothing.
   *
   * @throws LocalEngineConfigError naming the state machine whose definition is invalid.
   */
  install(version: string, machines: readonly StateMachineSource[]): void {
    const next = new Map<string, RegisteredStateMachine>();
    for (const { name, definition } of machines) {
      const previous = this.machines.get(name);
      const same = previous !== undefined && JSON.stringify(previous.definition) === JSON.stringify(definition);
      next.set(name, same && !next.has(name) ? previous : validMachine(name, definition, next));
    }
    if (version === this.version) return;
    this.earlier.set(this.version, this.machines);
    this.earlier.delete(version);
    this.machines = next;
    this.version = version;
  }

  /** Versions of the code a running execution started on (the current one included). */
  runningVersions(): Set<string> {
    const versions = new Set([this.version]);
    for (const { execution } of this.executions.values()) if (execution.status === ExecutionStatus.Running) versions.add(execution.codeVersion ?? this.version);
    return versions;
  }

  /** Versions of the code an execution may still run on: running, or failed and redrivable (the current one included). */
  versionsInUse(): Set<string> {
    const versions = this.runningVersions();
    for (const { execution } of this.executions.values()) if (execution.codeVersion && this.redrivable(execution)) versions.add(execution.codeVersion);
    return versions;
  }

  /** Forgets the state machines of earlier versions no execution can run on any more (see `versionsInUse`). */
  forgetUnusedVersions(): string[] {
    const inUse = this.versionsInUse();
    const forgotten = [...this.earlier.keys()].filter((version) => !inUse.has(version));
    for (const version of forgotten) this.earlier.delete(version);
    return forgotten;
  }

  stateMachines(): RegisteredStateMachine[] {
    return [...this.machines.values()];
  }

  stateMachine(arn: unknown): RegisteredStateMachine {
    const machine = this.machines.get(parseStateMachineArn(arn));
    if (!machine) throw sfnError(SfnErrorCode.StateMachineDoesNotExist, `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  }

  /**
   * Loads what a previous engine left: executions that were only waiting for approvals (or had
   * just taken their answers) resume, waiting on the same tokens and reusing the answers; any
   * other running execution is marked FAILED and redrivable.
   */
  recover(): void {
    for (const stored of this.options.store.loadAll()) {
      const { execution } = stored;
      const history = new ExecutionHistory((event) => this.options.store.appendHistory(execution.executionArn, event), stored.history);
      const tracked: Tracked = { execution, history };
      this.executions.set(execution.executionArn, tracked);
      this.tokens.load(stored.tasks);
      if (execution.status !== ExecutionStatus.Running) continue;
      const machine = this.machineOf(execution);
      const waiting = stored.tasks.filter((task) => task.status === 'waiting');
      const point = execution.resume;
      // Answers taken before the stop are saved with their tokens even when the workflow had not
      // moved on yet: resuming reuses them, so nobody is asked again and no answer is lost.
      const answered = stored.tasks.filter((task) => task.segment === point?.segment && task.approvalId !== undefined && task.status !== 'waiting' && task.status !== 'cancelled');
      const onlyApprovals =
        point !== undefined && waiting.length + answered.length > 0 && waiting.every((task) => task.kind === 'lambda' && task.segment === point.segment);
      if (machine && point && onlyApprovals) {
        this.options.log(`Resuming ${execution.executionArn}: ${answered.length} approval(s) answered, still waiting for ${waiting.length}`);
        for (const task of waiting) this.tokens.rearm(task);
        this.startRun(tracked, machine, { kind: 'resume', point, reusable: new ReusableTasks(stored.tasks, point.segment, 'resume') });
        continue;
      }
      for (const task of waiting) {
        task.status = 'cancelled';
        task.closedAt = Date.now();
        if (task.approvalId) this.options.onApprovalClosed(task.approvalId);
      }
      this.options.store.saveTasks(execution.executionArn, this.tokens.ofExecution(execution.executionArn));
      const cause = engineRestartedCause(execution.executionArn);
      Object.assign(execution, {
        status: ExecutionStatus.Failed,
        stopDate: Date.now(),
        error: LocalErrorName.EngineRestarted,
        cause,
        redriveStatus: machine && point ? RedriveStatus.Redrivable : RedriveStatus.NotRedrivable,
        redriveStatusReason: machine && point ? undefined : `State machine "${execution.stateMachineName}" is not registered or the execution never entered a state`,
      });
      this.options.store.saveExecution(execution);
      history.record({ type: HistoryEventType.ExecutionFailed, executionFailedEventDetails: { error: LocalErrorName.EngineRestarted, cause } });
    }
  }

  /** StartExecution, with AWS's idempotency: same name and input of a running execution returns it. */
  start(request: { stateMachineArn?: unknown; name?: unknown; input?: unknown }): ExecutionRecord {
    const machine = this.stateMachine(request.stateMachineArn);
    const name = request.name === undefined ? randomUUID() : request.name;
    if (typeof name !== 'string' || !isValidName(name)) throw sfnError(SfnErrorCode.InvalidName, `Invalid Name: '${String(name)}'`);
    const input = request.input === undefined ? '{}' : request.input;
    if (typeof input !== 'string') throw sfnError(SfnErrorCode.InvalidExecutionInput, 'Invalid State Machine Execution Input: input must be a JSON string');
    try {
      JSON.parse(input);
    } catch {
      throw sfnError(SfnErrorCode.InvalidExecutionInput, `Invalid State Machine Execution Input: '${input.slice(0, 100)}' is not JSON`);
    }
    const arn = buildExecutionArn(machine.name, name);
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.execution.status === ExecutionStatus.Running && existing.execution.input === input) return existing.execution;
      throw sfnError(SfnErrorCode.ExecutionAlreadyExists, `Execution Already Exists: '${arn}'`);
    }
    const execution: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      codeVersion: this.version,
      name,
      input,
      status: ExecutionStatus.Running,
      startDate: Date.now(),
      redriveCount: 0,
      // Where a redrive starts if the engine dies before the first state is entered: the beginning.
      resume: { stateName: machine.definition.StartAt, input: JSON.parse(input) as Json, segment: 0 },
    };
    this.options.store.saveExecution(execution);
    const tracked: Tracked = { execution, history: new ExecutionHistory((event) => this.options.store.appendHistory(arn, event)) };
    this.executions.set(arn, tracked);
    this.startRun(tracked, machine, { kind: 'fresh' });
    return execution;
  }

  get(arn: unknown): Tracked {
    parseExecutionArn(arn);
    const tracked = this.executions.get(arn as string);
    if (!tracked) throw notFoundExecution(String(arn));
    return tracked;
  }

  /** The execution with this ARN, or undefined (never throws: for lookups of untrusted input). */
  find(arn: string): ExecutionRecord | undefined {
    return this.executions.get(arn)?.execution;
  }

  /** Executions of one state machine, newest first. */
  list(stateMachineArnValue: unknown): ExecutionRecord[] {
    const machine = this.stateMachine(stateMachineArnValue);
    return [...this.executions.values()]
      .map((tracked) => tracked.execution)
      .filter((execution) => execution.stateMachineName === machine.name)
      .sort((a, b) => b.startDate - a.startDate);
  }

  /** StopExecution: aborts the run and records who stopped it and why. */
  async stop(arn: unknown, error?: string, cause?: string): Promise<ExecutionRecord> {
    const tracked = this.get(arn);
    if (tracked.execution.status !== ExecutionStatus.Running) return tracked.execution;
    tracked.run?.stop();
    await tracked.run?.done;
    tracked.history.record({ type: HistoryEventType.ExecutionAborted, executionAbortedEventDetails: { error, cause } });
    if (error !== undefined || cause !== undefined) {
      Object.assign(tracked.execution, { error, cause });
      this.options.store.saveExecution(tracked.execution);
    }
    return tracked.execution;
  }

  /** RedriveExecution: re-enters the state the execution failed in, reusing the tasks that had succeeded there. */
  redrive(arn: unknown): ExecutionRecord {
    const tracked = this.get(arn);
    const { execution } = tracked;
    const machine = this.redrivable(execution) ? this.machineOf(execution) : undefined;
    if (!machine || !execution.resume) {
      throw sfnError(SfnErrorCode.ExecutionNotRedrivable, `Execution is not redrivable: '${execution.executionArn}' is ${execution.status}`);
    }
    const point = execution.resume;
    Object.assign(execution, {
      status: ExecutionStatus.Running,
      redriveCount: execution.redriveCount + 1,
      redriveDate: Date.now(),
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
      redriveStatus: undefined,
      redriveStatusReason: undefined,
    });
    this.options.store.saveExecution(execution);
    tracked.history.record({ type: HistoryEventType.ExecutionRedriven, executionRedrivenEventDetails: { redriveCount: execution.redriveCount } });
    const reusable = new ReusableTasks(this.tokens.ofExecution(execution.executionArn), point.segment, 'redrive');
    this.startRun(tracked, machine, { kind: 'redrive', point, reusable });
    return execution;
  }

  /** Stops every run without recording an outcome: the next engine start on this root takes over. */
  async shutdown(): Promise<void> {
    const runs = [...this.executions.values()].map((tracked) => tracked.run).filter((run): run is ExecutionRun => run !== undefined);
    for (const run of runs) run.detach();
    this.tokens.shutdown();
    await Promise.allSettled(runs.map((run) => run.done));
  }

  /** Resolves once every run in flight has ended (tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.executions.values()].map((tracked) => tracked.run?.done));
  }

  private redrivable(execution: ExecutionRecord): boolean {
    const redrivable: string[] = [ExecutionStatus.Failed, ExecutionStatus.TimedOut, ExecutionStatus.Aborted];
    return redrivable.includes(execution.status) && execution.resume !== undefined && execution.redriveStatus !== RedriveStatus.NotRedrivable;
  }

  /**
   * The state machine an execution runs on: the definition of the version of the code it started
   * on, as AWS keeps an execution on the revision it started with, also when redriven. When that
   * version is gone (its build removed by hand), the current definition, said in the log.
   */
  private machineOf(execution: ExecutionRecord): RegisteredStateMachine | undefined {
    const version = execution.codeVersion ?? this.version;
    if (version === this.version) return this.machines.get(execution.stateMachineName);
    let machines = this.earlier.get(version);
    if (!machines) {
      const loaded = this.options.loadVersion?.(version);
      if (loaded) {
        const fresh = new Map<string, RegisteredStateMachine>();
        for (const { name, definition } of loaded) fresh.set(name, validMachine(name, definition, fresh));
        this.earlier.set(version, fresh);
        machines = fresh;
      }
    }
    const machine = machines?.get(execution.stateMachineName);
    if (machine) return machine;
    this.options.log(`Execution ${execution.executionArn} started on code version ${version}, which is gone: it goes on with the current definition of "${execution.stateMachineName}"`);
    return this.machines.get(execution.stateMachineName);
  }

  private startRun(tracked: Tracked, machine: RegisteredStateMachine, start: RunStart): void {
    const store = this.options.store;
    tracked.run = new ExecutionRun(
      tracked.execution,
      {
        definition: machine.definition,
        tasks: machine.tasks,
        history: tracked.history,
        saveExecution: (execution) => store.saveExecution(execution),
        retryIntervalOverrides: this.options.retryIntervalOverrides,
        tokens: this.tokens,
        lambdas: this.options.lambdas,
        container: this.options.container,
        containerSlots: this.options.containerSlots,
        containerLogFile: store.containerLogFile(tracked.execution.executionArn),
        awsFaithful: this.options.awsFaithful,
        onApprovalClosed: this.options.onApprovalClosed,
        log: this.options.log,
      },
      start,
    );
    tracked.run.done
      .catch((error: unknown) => this.options.log(`Execution ${tracked.execution.executionArn} crashed in the engine: ${String(error)}`))
      .finally(() => this.options.onRunEnded?.());
  }
}

/** A state machine checked the way the interpreter will run it, whose name is not yet in `taken`. */
function validMachine(name: string, definition: AslDefinition, taken: ReadonlyMap<string, RegisteredStateMachine>): RegisteredStateMachine {
  if (!isValidName(name)) throw new LocalEngineConfigError(`State machine name "${name}" is not valid: use 1-80 letters, digits, "-" or "_"`, { field: 'name' });
  if (taken.has(name)) throw new LocalEngineConfigError(`Two state machines are named "${name}"`, { field: 'name' });
  try {
    new StateMachine(interpreterDefinition(definition) as never);
  } catch (error) {
    throw new LocalEngineConfigError(`The definition of state machine "${name}" is invalid: ${(error as Error).message}`, { field: name, cause: error });
  }
  return { name, arn: stateMachineArn(name), definition, tasks: taskStatesOf(definition), creationDate: Date.now() };
}

