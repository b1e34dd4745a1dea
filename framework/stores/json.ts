import { InvalidInputError } from '../errors';

/** A copy made through JSON, so every store hands back exactly what a durable store would: no shared references, no `undefined`, no class instances. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Whether a value is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects a sequence that is not a non-negative safe integer. */
export function assertSequence(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${field} must be a non-negative integer, got ${JSON.stringify(value)}`, { field });
  }
}

/** Parses JSON, returning `undefined` instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
