import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalStoreError } from '../errors';

/**
 * Writes JSON so that a crash leaves either the old or the new file, never half of one.
 * Synchronous on purpose: the engine records state transitions in the order they happen, and a
 * synchronous write cannot be overtaken by the next event.
 */
export function writeJsonAtomic(file: string, value: unknown): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, JSON.stringify(value, null, 2));
    renameSync(temporary, file);
  } catch (error) {
    throw new LocalStoreError(file, 'Cannot write engine state', { cause: error });
  }
}

/** Reads a JSON file, or `undefined` when it does not exist. */
export function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new LocalStoreError(file, 'Cannot read engine state', { cause: error });
  }
}

/** Appends one JSON value as a line. A line torn by a crash is skipped by `readJsonLines`. */
export function appendJsonLine(file: string, value: unknown): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(value)}\n`);
  } catch (error) {
    throw new LocalStoreError(file, 'Cannot append to engine state', { cause: error });
  }
}

/** Reads a JSON-lines file, skipping a torn last line. */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const values: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      values.push(JSON.parse(line) as T);
    } catch {
      // Only the last line can be torn (the engine stopped mid-append); what came before is intact.
    }
  }
  return values;
}
