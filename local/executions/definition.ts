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
    tasks.set(name, { name, resource: state.Resource, timeoutSeconds: state.TimeoutSeconds, heartbeatSeconds: state.HeartbeatSeconds });
  });
  return tasks;
}

/**
 * The definition as the interpreter should run it: a deep copy (the interpreter mutates what it is
 * given), starting at `startAt`, with AWS's "no timeout" default made explicit because the
 * interpreter would otherwise time every task out after 60 s.
 */
export function interpreterDefinition(definition: AslDefinition, startAt?: string): AslDefinition {
  // A JSON round trip, not structuredClone: the interpreter recognises objects by their prototype,
  // and structuredClone builds them in Node's main realm, which differs from a jest sandbox's.
  const copy = JSON.parse(JSON.stringify(definition)) as { StartAt: string; States: Record<string, Record<string, unknown>> };
  const withDefaults = (machine: { States: Record<string, Record<string, unknown>> }) => {
    for (const state of Object.values(machine.States)) {
      if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = MAX_TASK_TIMEOUT_SECONDS;
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
