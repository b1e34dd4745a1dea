import { StepwiseError } from '../framework';

/** The command line was wrong (unknown command or flag, missing argument): exit code 2. */
export class UsageError extends StepwiseError {
  constructor(message: string) {
    super(message, { code: 'Stepwise.UsageError', fault: 'user' });
  }
}

/**
 * No engine answers where the command looked for one (connection refused, nothing listening).
 * Every command says this the same way and exits 1.
 */
export class NoEngineError extends StepwiseError {
  constructor(readonly address: string) {
    super(`nothing answers at ${address}. Start the local engine with "stepwise dev", or pass --endpoint URL (or --target aws).`, { code: 'Stepwise.NoEngine', fault: 'system' });
  }
}

/** A server said it cannot serve what was asked (e.g. an event log it finds damaged): exit code 1, the server's message shown whole. */
export class ServerReportedError extends StepwiseError {
  constructor(message: string) {
    super(message, { code: 'Stepwise.ServerError', fault: 'system' });
  }
}

/** Exit codes of the `stepwise` command. */
export const ExitCode = {
  Ok: 0,
  RunFailed: 1,
  BadUsage: 2,
  /** Ctrl-C at a prompt (128 + SIGINT, as shells report it). */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
