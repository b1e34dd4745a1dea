/** Where a command reads and writes; the real process streams in `main`, others in tests. */
export interface CliIo {
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly error: (line: string) => void;
  /** Writes text to stdout as is (no newline): streamed model text. Absent, streamed text is printed line by line. */
  readonly outText?: (text: string) => void;
  /** Writes text to stderr as is. */
  readonly errorText?: (text: string) => void;
  readonly stdin: NodeJS.ReadableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
    outText: (text) => process.stdout.write(text),
    errorText: (text) => process.stderr.write(text),
    stdin: process.stdin,
    stderr: process.stderr,
  };
}
