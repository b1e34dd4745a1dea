import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { AwsLimits } from './limits';

/** How large the files a user names on a command line may be. */
export const UserFileLimits = {
  /** A config is source code; data belongs in files it reads. */
  configBytes: 1024 * 1024,
  /** Edited arguments or a reason: edited arguments reach their tool in a Lambda Invoke of at most this size. */
  decisionBytes: AwsLimits.lambdaPayloadBytes,
} as const;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * What is wrong with a path a user named as a file to read, or undefined when it is a regular
 * file of at most `maxBytes`. A device (`/dev/zero`), a pipe or a directory would block a reader
 * forever or fill its memory, so they are refused before anything is read.
 *
 * @example
 * regularFileProblem('/dev/zero', 1024); // '/dev/zero is not a regular file (it is a character device)'
 */
export function regularFileProblem(file: string, maxBytes: number, options: { readonly what?: string; readonly stats?: Stats } = {}): string | undefined {
  const what = options.what ?? 'it';
  let info = options.stats;
  if (!info) {
    try {
      info = statSync(file);
    } catch (error) {
      return `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
  }
  if (!info.isFile()) return `${file} is not a regular file (it is ${kindOf(info)})`;
  if (info.size > maxBytes) return `${file} is ${info.size} bytes; ${what} may have at most ${maxBytes}`;
  return undefined;
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8, or throws the error `fail` makes of what is
 * wrong. The file is opened without blocking and checked through its descriptor, so a pipe
 * swapped in after a check cannot hang the reader, and no more than `maxBytes` are ever read.
 *
 * @example
 * const text = readRegularFile('args.json', 1024 * 1024, (problem) => new UsageError(`--args-file: ${problem}`));
 */
export function readRegularFile(file: string, maxBytes: number, fail: (problem: string) => Error, what?: string): string {
  let descriptor: number;
  try {
    descriptor = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fail(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const stats = fstatSync(descriptor);
    const problem = regularFileProblem(file, maxBytes, { what, stats });
    if (problem) throw fail(problem);
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      if (read === 0) break;
      length += read;
      // A file that grows while it is read is not read past its limit.
      if (length > maxBytes) throw fail(`${file} grew past ${maxBytes} bytes while it was read`);
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    closeSync(descriptor);
  }
}
