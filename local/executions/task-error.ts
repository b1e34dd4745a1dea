/**
 * The error a task handler throws to fail its Task state: the interpreter matches `Retry`/`Catch`
 * on `name` and uses `message` as the Cause, so `cause` must stay unset.
 */
export class TaskStateError extends Error {
  constructor(errorName: string, causeText: string) {
    super(causeText);
    this.name = errorName;
  }
}
