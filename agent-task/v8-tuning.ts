import v8 from 'node:v8';
import { ContainerEnv } from '../state-machines/constants';
import { ContainerV8Tuning, parseContainerV8Tuning } from '../state-machines/container-v8-tuning';

/**
 * The V8 flags of `lean` tuning. Node 20 and 22 ship with Maglev (V8's middle compiler) off;
 * `--no-maglev` keeps it off should a Node turn it on.
 */
export const LEAN_V8_FLAGS = ['--no-turbofan', '--no-maglev', '--semi-space-growth-factor=1'] as const;

/**
 * Tunes this process's V8 for a container's work (`ContainerV8Tuning`): nothing for `node`; the
 * `LEAN_V8_FLAGS` for `lean`. Called once the container's code has loaded, never as node's
 * command-line flags, which would also make V8 refuse the bundle's code cache (written without
 * them) and compile the whole bundle from its text. V8 reads these three when it decides to
 * optimize a function and when it would grow the young generation, so they take effect from then on.
 *
 * Node's own built-ins carry a code cache that V8 checks against a hash of the flags as they are
 * when a built-in is first loaded: after this, a built-in first loaded is compiled from its source.
 * `node:http` (with its internals, and what `node:https` builds on) is loaded first, as every
 * container reaches Step Functions with it; measured on 2026-11-30, that spares about 9 ms of CPU.
 *
 * @example
 * tuneV8(ContainerV8Tuning.Lean); // in the container's process only: the flags are the whole process's
 */
export function tuneV8(tuning: ContainerV8Tuning): void {
  if (tuning !== ContainerV8Tuning.Lean) return;
  require('node:http');
  for (const flag of LEAN_V8_FLAGS) v8.setFlagsFromString(flag);
}

/**
 * Applies the tuning `STEPWISE_CONTAINER_V8` names (`node` when unset) and returns it: what the
 * container's program does before it loads the framework. A value that names no tuning changes
 * nothing here and returns undefined; `readContainerConfig` then fails the turn, naming it.
 *
 * @example
 * tuneV8FromEnvironment(process.env); // 'lean' when the local engine started this container
 */
export function tuneV8FromEnvironment(env: NodeJS.ProcessEnv): ContainerV8Tuning | undefined {
  let tuning: ContainerV8Tuning;
  try {
    tuning = parseContainerV8Tuning(env[ContainerEnv.V8Tuning]);
  } catch {
    return undefined;
  }
  tuneV8(tuning);
  return tuning;
}
