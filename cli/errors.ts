import { StepwiseError } from '../framework';

/** The command line was wrong (unknown command or flag, missing argument): exit code 2. */
export class UsageError extends StepwiseError {
  constructor(message: string) {
    super(message, { code: 'Stepwise.UsageError', fault: 'user' });
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
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
