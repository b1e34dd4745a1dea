import { LambdaErrorCode } from '../constants';
import { LocalApiError } from '../errors';

/** A local Lambda function: receives the event, returns the result or throws. */
export type LambdaHandler = (event: unknown) => Promise<unknown>;

/** The function name inside a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`), or the name itself. */
export function functionNameOf(nameOrArn: string): string {
  const parts = nameOrArn.split(':');
  if (parts[0] === 'arn' && parts[5] === 'function' && parts[6]) return parts[6];
  return parts[0];
}

/** The Lambda functions the engine serves, by name. */
export class LambdaRegistry {
  private readonly handlers = new Map<string, LambdaHandler>();

  constructor(handlers: Record<string, LambdaHandler> = {}) {
    for (const [name, handler] of Object.entries(handlers)) this.register(name, handler);
  }

  register(name: string, handler: LambdaHandler): void {
    this.handlers.set(functionNameOf(name), handler);
  }

  /** Stops serving a function (a reload removed its tool). */
  unregister(name: string): void {
    this.handlers.delete(functionNameOf(name));
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /** The handler for a name or ARN; throws `ResourceNotFoundException` (HTTP 404) listing the functions there are. */
  resolve(nameOrArn: string): LambdaHandler {
    const handler = this.handlers.get(functionNameOf(nameOrArn));
    if (handler) return handler;
    throw new LocalApiError(
      LambdaErrorCode.ResourceNotFound,
      `Function not found: ${nameOrArn}. Functions of the local engine: ${this.names().join(', ') || '(none)'}`,
      { statusCode: 404 },
    );
  }
}
