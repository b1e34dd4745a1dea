import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors';

/** Encoded names longer than this end in a hash, keeping file names under the usual 255-byte limit. */
const MAX_ENCODED_LENGTH = 180;

/**
 * Turns an opaque store key (an execution ARN, `session:<id>`, an approval id) into a file name
 * that is safe everywhere: only `[a-z0-9_-]` stay as they are, every other character becomes
 * `%XX` (UTF-8, upper-case hex). Upper-case letters are escaped too, so two keys that differ only in
 * case cannot collide on a case-insensitive file system (macOS, Windows). Very long keys keep a
 * readable prefix and end in `~` + SHA-256; `~` is never produced otherwise.
 *
 * @example
 * encodeStoreKey('session:abc') // => 'session%3Aabc'
 */
export function encodeStoreKey(key: string): string {
  assertStoreKey(key, 'key');
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[a-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (encoded.length <= MAX_ENCODED_LENGTH) return encoded;
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${encoded.slice(0, MAX_ENCODED_LENGTH - hash.length - 1).replace(/%[0-9A-F]?$/, '')}~${hash}`;
}

/** Rejects keys a store cannot address. */
export function assertStoreKey(key: unknown, field: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidInputError(`${field} must be a non-empty string, got ${JSON.stringify(key)}`, { field });
  }
}
