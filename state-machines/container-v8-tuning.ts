import { ConfigDefinitionError } from '../framework/errors';
import { ContainerEnv } from './constants';

/**
 * How the agent container tunes V8 (`STEPWISE_CONTAINER_V8`), once its code has loaded:
 * - `lean` (the default): no optimizing compiler (TurboFan, Maglev) and a young generation that
 *   stays at its first size (1 MB semi-spaces) instead of growing to 8 MB or more. A container
 *   mostly waits on its model and its tools: measured, these two are 6-8 MiB of its memory and
 *   none of its turn's time (docs/ARCHITECTURE.md, "V8 flags, set once the code has loaded").
 * - `node`: Node's own tuning, for an agent whose tools run CPU-heavy code inside the container.
 */
export const ContainerV8Tuning = {
  Lean: 'lean',
  Node: 'node',
} as const;
export type ContainerV8Tuning = (typeof ContainerV8Tuning)[keyof typeof ContainerV8Tuning];

const TUNINGS = Object.values(ContainerV8Tuning) as readonly string[];

/**
 * Parses the value of `STEPWISE_CONTAINER_V8`; unset or empty is `lean`.
 *
 * @throws ConfigDefinitionError naming `STEPWISE_CONTAINER_V8` when the value is neither `lean` nor `node`.
 * @example
 * parseContainerV8Tuning(process.env.STEPWISE_CONTAINER_V8); // 'lean' when unset
 */
export function parseContainerV8Tuning(value: string | undefined): ContainerV8Tuning {
  if (value === undefined || value.trim() === '') return ContainerV8Tuning.Lean;
  const tuning = value.trim().toLowerCase();
  if (!TUNINGS.includes(tuning)) {
    throw new ConfigDefinitionError(`${ContainerEnv.V8Tuning} must be ${TUNINGS.map((name) => JSON.stringify(name)).join(' or ')}, got ${JSON.stringify(value)}`, {
      field: ContainerEnv.V8Tuning,
    });
  }
  return tuning as ContainerV8Tuning;
}
