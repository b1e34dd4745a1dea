import v8 from 'node:v8';
import { ContainerEnv } from '../state-machines/constants';
import { ContainerV8Tuning, parseContainerV8Tuning } from '../state-machines/container-v8-tuning';

/**
 * The V8 flags of `lean` tuning. `--no-maglev` matters on Node 22 (the images), where Maglev is
 * on by default; Node 20 knows the flag and has it off already.
 */
export const LEAN_V8_FLAGS = ['--no-turbofan', '--no-maglev', '--semi-space-growth-factor=1'] as const;

/**
 * Tunes this process's V8 for a container's work (`ContainerV8Tuning`). Called once the container's
 * code has loaded, never as node's command-line flags: V8 checks every code cache against a hash of
 * the flags the process started with, so flags given at start would make Node compile each built-in
 * the container loads from its source (slower, and several MiB of compiler memory), and the flags
 * set here change neither that hash nor what the code caches hold. V8 reads these three when it
 * decides to optimize a function and when it would grow the young generation, so they take effect
 * from then on.
 *
 * @example
 * tuneV8(ContainerV8Tuning.Lean); // in the container's process only: the flags are the whole process's
 */
export function tuneV8(tuning: ContainerV8Tuning): void {
  if (tuning !== ContainerV8Tuning.Lean) return;
  for (const flag of LEAN_V8_FLAGS) v8.setFlagsFromString(flag);
}

/**
 * Applies the tuning `STEPWISE_CONTAINER_V8` names (`lean` when unset) and returns it: what the
 * container's program does before it loads the framework. A value that names no tuning changes
 * nothing here and returns undefined; `readContainerConfig` then fails the turn, naming it.
 *
 * @example
 * tuneV8FromEnvironment(process.env); // 'lean'
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
