import { InvalidInputError } from '../errors';
import { PayloadNotFoundError } from './errors';
import { cloneJson } from './json';

/**
 * What references look like: `stepwise-payload:<key>`. They are what crosses Step Functions, ECS
 * and the approval records in place of a value of unbounded size.
 */
export const PAYLOAD_REF_PREFIX = 'stepwise-payload:';

/** Keys are path-like: segments of letters, digits and `._:=+@-`, separated by single `/`. */
const PAYLOAD_KEY = /^[A-Za-z0-9][A-Za-z0-9._:=+@-]*(\/[A-Za-z0-9][A-Za-z0-9._:=+@-]*)*$/;
const MAX_KEY_LENGTH = 1_024;

/**
 * Values of any size behind short references: execution inputs, approval arguments, edited
 * arguments and reasons of decisions, long answers. A reference is a string of bounded length
 * that any process with access to the same store can resolve.
 */
export interface PayloadStore {
  /** Stores (or replaces) a JSON value under `key` and returns its reference. */
  put(key: string, value: unknown): Promise<string>;
  /** The value a reference points to; `PayloadNotFoundError` when there is none. */
  get(ref: string): Promise<unknown>;
}

/** Checks a payload key, naming it when it is not one. */
export function assertPayloadKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || !PAYLOAD_KEY.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new InvalidInputError(
      `A payload key must be 1-${MAX_KEY_LENGTH} characters of path segments made of letters, digits and "._:=+@-", got ${JSON.stringify(String(key).slice(0, 200))}`,
      { field: 'key' },
    );
  }
}

/**
 * The reference of a payload key.
 *
 * @example
 * payloadRef('decisions/apv-1'); // 'stepwise-payload:decisions/apv-1'
 */
export function payloadRef(key: string): string {
  assertPayloadKey(key);
  return `${PAYLOAD_REF_PREFIX}${key}`;
}

/** Whether a value is a well-formed payload reference. */
export function isPayloadRef(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith(PAYLOAD_REF_PREFIX)) return false;
  try {
    assertPayloadKey(value.slice(PAYLOAD_REF_PREFIX.length));
    return true;
  } catch {
    return false;
  }
}

/**
 * The key a reference points to.
 *
 * @throws InvalidInputError naming the reference when it is not one.
 * @example
 * payloadKeyOf('stepwise-payload:decisions/apv-1'); // 'decisions/apv-1'
 */
export function payloadKeyOf(ref: unknown, field = 'ref'): string {
  if (!isPayloadRef(ref)) {
    throw new InvalidInputError(`${field} must be a payload reference ("${PAYLOAD_REF_PREFIX}<key>"), got ${JSON.stringify(String(ref).slice(0, 200))}`, { field });
  }
  return ref.slice(PAYLOAD_REF_PREFIX.length);
}

/** The JSON text a store writes; `undefined` and functions cannot be stored. */
export function serializePayload(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new InvalidInputError('A payload must be a JSON value', { field: 'value' });
  return text;
}

/**
 * Payloads in memory, for tests. Values are copied through JSON on the way in and out.
 *
 * @example
 * const payloads = new MemoryPayloadStore();
 * const ref = await payloads.put('results/run-1', 'a very long answer');
 * await payloads.get(ref); // 'a very long answer'
 */
export class MemoryPayloadStore implements PayloadStore {
  private readonly values = new Map<string, string>();

  async put(key: string, value: unknown): Promise<string> {
    const ref = payloadRef(key);
    this.values.set(key, serializePayload(value));
    return ref;
  }

  async get(ref: string): Promise<unknown> {
    const key = payloadKeyOf(ref);
    const text = this.values.get(key);
    if (text === undefined) throw new PayloadNotFoundError(ref);
    return cloneJson(JSON.parse(text));
  }
}
