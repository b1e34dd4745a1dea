import { StepwiseError } from '../../framework';

/** Codes of the console API's errors (the AWS-style `__type` of its error bodies). */
export const ConsoleErrorCode = {
  Validation: 'ValidationException',
  ApprovalNotFound: 'ApprovalNotFoundException',
  NotFound: 'ResourceNotFoundException',
} as const;
export type ConsoleErrorCode = (typeof ConsoleErrorCode)[keyof typeof ConsoleErrorCode];

/**
 * A request to the console's API was refused; the message tells the person at the console what to
 * do, and `issues` names each field of an edit that does not fit the tool's schema.
 */
export class ConsoleRequestError extends StepwiseError {
  readonly statusCode: number;
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
  constructor(code: ConsoleErrorCode, message: string, options: { statusCode?: number; issues?: readonly { path: string; message: string }[]; cause?: unknown } = {}) {
    super(message, { code, fault: 'user', cause: options.cause });
    this.statusCode = options.statusCode ?? 400;
    this.issues = options.issues;
  }
}
