import { InvalidInputError } from '../../framework';

/** A variable the function cannot work without; read once, when the handler is created. */
export function requiredVariable(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new InvalidInputError(`The function needs the environment variable ${name}, which is not set: deploy it with the Stepwise CDK app`, { field: name });
  }
  return value;
}

/** An optional variable; blank counts as unset. */
export function optionalVariable(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}
