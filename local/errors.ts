import { ErrorName, StepwiseError } from '../framework';
import { SfnErrorCode, type LambdaErrorCode } from './constants';

/**
 * A request to the engine's AWS APIs was refused. `code` is the AWS error code the SDK maps to its
 * typed exception (`ExecutionDoesNotExist`, `TaskTimedOut`, …).
 */
export class LocalApiError extends StepwiseError {
  readonly statusCode: number;
  constructor(code: SfnErrorCode | LambdaErrorCode, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, { code, fault: 'user', cause: options.cause });
    this.statusCode = options.statusCode ?? 400;
  }
}

/** The engine's options or a state machine definition are wrong; the message says what to fix. */
export class LocalEngineConfigError extends StepwiseError {
  readonly field?: string;
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { code: ErrorName.InvalidConfig, fault: 'user', cause: options.cause });
    this.field = options.field;
  }
}

/** The engine could not read or write its files under `<root>/engine/`. */
export class LocalStoreError extends StepwiseError {
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(`${message} (${path}). Check that the folder is writable, or remove the damaged file.`, { fault: 'system', cause: options.cause });
    this.path = path;
  }
}

/** Shorthand for the errors the Step Functions API answers with. */
export const sfnError = (code: SfnErrorCode, message: string): LocalApiError => new LocalApiError(code, message);

export const notFoundExecution = (arn: string): LocalApiError =>
  sfnError(SfnErrorCode.ExecutionDoesNotExist, `Execution does not exist: '${arn}'`);
