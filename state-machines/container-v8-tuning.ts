import { ConfigDefinitionError } from '../framework/errors';
import { ContainerEnv } from './constants';

/**
 * How the agent container tunes V8 (`STEPWISE_CONTAINER_V8`), once its code has loaded
 * (docs/ARCHITECTURE.md, "V8 flags, set once the code has loaded"):
 * - `node` (the container's default, and AWS's): V8 as Node tunes it.
 * - `lean` (the local engine's default): no optimizing compiler (TurboFan, Maglev) and a young
 *   generation that stays at its first size (1 MB semi-spaces) instead of growing to 8 MB or more.
 *   A container mostly waits on its model and its tools: measured, 6-8 MiB less memory per
 *   container and the same turn time, which matters where many containers share one machine. The
 *   price: code that computes in the container runs unoptimized, and each Node built-in first
 *   loaded after the flags (`fetch`'s undici at the first OpenAI call, say) is compiled without
 *   Node's code cache, as V8 checks that cache against the flags.
 */
export const ContainerV8Tuning = {
  Node: 'node',
  Lean: 'lean',
} as const;
export type ContainerV8Tuning = (typeof ContainerV8Tuning)[keyof typeof ContainerV8Tuning];

const TUNINGS = Object.values(ContainerV8Tuning) as readonly string[];

/**
 * Parses the value of `STEPWISE_CONTAINER_V8` (any case, spaces around it ignored); unset or empty
 * is `node`, the container's default.
 *
 * @throws ConfigDefinitionError naming `STEPWISE_CONTAINER_V8` when the value is neither `node` nor `lean`.
 * @example
 * parseContainerV8Tuning(process.env.STEPWISE_CONTAINER_V8); // 'node' when unset
 */
export function parseContainerV8Tuning(value: string | undefined): ContainerV8Tuning {
  if (value === undefined || value.trim() === '') return ContainerV8Tuning.Node;
  const tuning = value.trim().toLowerCase();
  if (!TUNINGS.includes(tuning)) {
    throw new ConfigDefinitionError(`${ContainerEnv.V8Tuning} must be ${TUNINGS.map((name) => JSON.stringify(name)).join(' or ')}, got ${JSON.stringify(value)}`, {
      field: ContainerEnv.V8Tuning,
    });
  }
  return tuning as ContainerV8Tuning;
}
