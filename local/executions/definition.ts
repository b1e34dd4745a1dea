import { MAX_TASK_TIMEOUT_SECONDS } from '../../state-machines';
import { LocalEngineConfigError } from '../errors';

/** An Amazon States Language definition, as the engine reads it. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly Comment?: string;
  readonly TimeoutSeconds?: number;
  readonly [other: string]: unknown;
}

/** One state of a definition; only the fields the engine reads are typed. */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number;
  readonly ItemsPath?: string;
  readonly ItemProcessor?: AslDefinition;
  readonly Iterator?: AslDefinition;
  readonly Branches?: readonly AslDefinition[];
  readonly [other: string]: unknown;
}

/** What the engine needs to know about a Task state to run it. */
export interface TaskStateInfo {
  readonly name: string;
  readonly resource: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  /** Whether a `Catch` of the state catches a timeout (it names `States.Timeout` or `States.ALL`). */
  readonly catchesTimeout?: boolean;
}

const TIMEOUT_ERRORS = ['States.Timeout', 'States.HeartbeatTimeout', 'States.ALL'];
const TASK_FAILED = 'States.TaskFailed';
type ErrorMatcher = { ErrorEquals?: unknown } & Record<string, unknown>;
const matchesTimeout = (entry: ErrorMatcher, error: string): boolean =>
  Array.isArray(entry.ErrorEquals) && (entry.ErrorEquals.includes(error) || entry.ErrorEquals.includes('States.ALL') || (error === 'States.HeartbeatTimeout' && entry.ErrorEquals.includes('States.Timeout')));
const listsTaskFailed = (entry: ErrorMatcher): boolean => Array.isArray(entry.ErrorEquals) && entry.ErrorEquals.includes(TASK_FAILED);

/**
 * In Step Functions `States.TaskFailed` matches every task error except a timeout; the interpreter
 * lets it match the engine's own timeout errors too. Before the first entry naming
 * `States.TaskFailed`, each timeout error gets the entry AWS would match it with (the first one
 * that names it or `States.ALL`), or, in a `Retry`, none at all (`MaxAttempts: 0`).
 */
function withFaithfulTimeouts(entries: unknown, isRetry: boolean): unknown {
  if (!Array.isArray(entries)) return entries;
  const list = entries as ErrorMatcher[];
  const wildcard = list.findIndex(listsTaskFailed);
  if (wildcard < 0) return entries;
  const inserted: ErrorMatcher[] = [];
  for (const error of ['States.HeartbeatTimeout', 'States.Timeout']) {
    const first = list.findIndex((entry) => matchesTimeout(entry, error));
    if (first >= 0 && first < wildcard) continue;
    if (first >= 0) inserted.push({ ...list[first], ErrorEquals: [error] });
    else if (isRetry) inserted.push({ ErrorEquals: [error], MaxAttempts: 0 });
  }
  return [...list.slice(0, wildcard), ...inserted, ...list.slice(wildcard)];
}

function forEachState(definition: AslDefinition, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) forEachState(nested, visit);
    for (const branch of state.Branches ?? []) forEachState(branch, visit);
  }
}

/**
 * Every Task state of a definition, nested ones included. The interpreter keys task handlers by
 * state name, so two Task states with the same name would get the same handler: that is refused.
 */
export function taskStatesOf(definition: AslDefinition): Map<string, TaskStateInfo> {
  const tasks = new Map<string, TaskStateInfo>();
  forEachState(definition, (name, state) => {
    if (state.Type !== 'Task') return;
    if (tasks.has(name)) {
      throw new LocalEngineConfigError(`Two Task states are named "${name}": the local engine needs unique Task state names`, { field: name });
    }
    if (typeof state.Resource !== 'string') throw new LocalEngineConfigError(`Task state "${name}" has no Resource`, { field: name });
    const catchesTimeout = ((state.Catch ?? []) as ErrorMatcher[]).some((entry) => Array.isArray(entry.ErrorEquals) && entry.ErrorEquals.some((error) => TIMEOUT_ERRORS.includes(error as string)));
    tasks.set(name, { name, resource: state.Resource, timeoutSeconds: state.TimeoutSeconds, heartbeatSeconds: state.HeartbeatSeconds, catchesTimeout });
  });
  return tasks;
}

/**
 * The definition as the interpreter should run it: a deep copy (the interpreter mutates what it is
 * given), starting at `startAt`. Every Task gets the longest timeout the interpreter can wait:
 * the engine's task handlers enforce the definition's `TimeoutSeconds` themselves (and
 * `HeartbeatSeconds`, which the interpreter ignores), so that a timeout is recorded as AWS records
 * it, `TaskTimedOut` before whatever follows, and survives an engine restart.
 */
export function interpreterDefinition(definition: AslDefinition, startAt?: string): AslDefinition {
  // A JSON round trip, not structuredClone: the interpreter recognises objects by their prototype,
  // and structuredClone builds them in Node's main realm, which differs from a jest sandbox's.
  const copy = JSON.parse(JSON.stringify(definition)) as { StartAt: string; States: Record<string, Record<string, unknown>> };
  const withDefaults = (machine: { States: Record<string, Record<string, unknown>> }) => {
    for (const state of Object.values(machine.States)) {
      if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = MAX_TASK_TIMEOUT_SECONDS;
      }
      if (state.Type === 'Task') {
        if (state.Retry) state.Retry = withFaithfulTimeouts(state.Retry, true);
        if (state.Catch) state.Catch = withFaithfulTimeouts(state.Catch, false);
      }
      if (state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.startsWith(ECS_RUN_TASK_PREFIX)) {
        state.Parameters = withoutJsonToString(state.Parameters);
      }
      const nested = (state.ItemProcessor ?? state.Iterator) as typeof machine | undefined;
      if (nested) withDefaults(nested);
      for (const branch of (state.Branches ?? []) as (typeof machine)[]) withDefaults(branch);
    }
  };
  withDefaults(copy);
  if (startAt !== undefined) copy.StartAt = startAt;
  return copy as unknown as AslDefinition;
}

const ECS_RUN_TASK_PREFIX = 'arn:aws:states:::ecs:runTask';
const JSON_TO_STRING = /^States\.JsonToString\((\$[^(),']*)\)$/;

/**
 * aws-local-stepfunctions strips every backslash from the string an intrinsic function returns,
 * so `States.JsonToString` of a value holding quotes or newlines yields broken JSON. For container
 * overrides the engine selects the value itself and serializes it when it builds the container's
 * environment (non-string values are JSON-encoded there), which gives exactly what AWS gives.
 */
function withoutJsonToString(template: unknown): unknown {
  if (Array.isArray(template)) return template.map(withoutJsonToString);
  if (typeof template !== 'object' || template === null) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      const path = key.endsWith('.$') && typeof value === 'string' ? JSON_TO_STRING.exec(value)?.[1] : undefined;
      return [key, path ?? withoutJsonToString(value)];
    }),
  );
}

/** The value at a simple JSONPath (`$`, `$.a.b`), or `undefined`. */
export function valueAtPath(value: unknown, jsonPath: string | undefined): unknown {
  if (jsonPath === undefined || jsonPath === '$') return value;
  if (!jsonPath.startsWith('$.')) return undefined;
  let current: unknown = value;
  for (const key of jsonPath.slice(2).split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
