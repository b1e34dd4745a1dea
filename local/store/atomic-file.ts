import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StoreCorruptError } from '../../framework';
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

/** What a reader says about a value it found: `undefined` when it is what the store writes, else what is wrong. */
export type ValueCheck = (value: unknown) => string | undefined;

/** How to report a damaged file: the remedy the user is told. */
export interface DamageReport {
  /** What the user can do about a damaged file, e.g. which folder to move aside. */
  readonly remedy: string;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LocalStoreError(file, 'Cannot read engine state', { cause: error });
  }
}

/**
 * Reads a JSON file, or `undefined` when it does not exist. A file that is not JSON, or not what
 * `check` expects, is a `StoreCorruptError` naming it: never skipped, never half-used.
 */
export function readJson<T>(file: string, check: ValueCheck, damage: DamageReport): T | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StoreCorruptError(file, `not JSON (${(error as Error).message})`, { cause: error, remedy: damage.remedy });
  }
  const problem = check(value);
  if (problem) throw new StoreCorruptError(file, problem, { remedy: damage.remedy });
  return value as T;
}

/** Appends one JSON value as a line. A line torn by a crash is cut off by `readJsonLines`. */
export function appendJsonLine(file: string, value: unknown): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(value)}\n`);
  } catch (error) {
    throw new LocalStoreError(file, 'Cannot append to engine state', { cause: error });
  }
}

/**
 * Reads a JSON-lines file whose lines are checked by `check` (given the line's index). Only the
 * last line may be damaged — the engine stopped in the middle of appending it — and it is cut off
 * the file here, so the next append starts on a line of its own (a last line that is complete but
 * for its newline gets the newline). Any other damaged line is a `StoreCorruptError` naming the
 * file and line: a gap in what the engine recorded must not pass unnoticed.
 */
export function readJsonLines<T>(file: string, check: (value: unknown, index: number) => string | undefined, damage: DamageReport): T[] {
  const text = readText(file);
  if (text === undefined) return [];
  const lines = text.split('\n');
  const last = lines.pop() ?? ''; // empty after a final newline; otherwise a line the engine never finished
  const values: T[] = [];
  const parse = (line: string, index: number): { value?: unknown; problem?: string } => {
    try {
      const value: unknown = JSON.parse(line);
      const problem = check(value, index);
      return problem ? { problem } : { value };
    } catch (error) {
      return { problem: `not JSON (${(error as Error).message})` };
    }
  };
  for (const [index, line] of lines.entries()) {
    const { value, problem } = parse(line, index);
    if (problem) throw new StoreCorruptError(`${file}:${index + 1}`, problem, { remedy: damage.remedy });
    values.push(value as T);
  }
  if (last !== '') {
    const { value, problem } = parse(last, lines.length);
    try {
      if (problem) truncateSync(file, Buffer.byteLength(text) - Buffer.byteLength(last));
      else appendFileSync(file, '\n');
    } catch (error) {
      throw new LocalStoreError(file, 'Cannot repair the torn last line of engine state', { cause: error });
    }
    if (!problem) values.push(value as T);
  }
  return values;
}
