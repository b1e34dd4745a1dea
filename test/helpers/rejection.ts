/**
 * The error a promise rejects with, as a value, to look at it whole; a promise that fulfils fails
 * the test, naming the value.
 *
 * @example
 * expect(await rejectionOf(api.call())).toMatchObject({ name: 'ThrottlingException' });
 */
export const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
