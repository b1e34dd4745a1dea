/**
 * `Promise.withResolvers` for Node 20. aws-local-stepfunctions calls it inside every Task state,
 * and Node only has it from version 22. Import this module (for its side effect) before running a
 * state machine locally; it changes nothing where the method already exists.
 */

interface PromiseWithResolversShape<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseConstructorWithResolvers = PromiseConstructor & {
  withResolvers?: <T>() => PromiseWithResolversShape<T>;
};

/**
 * Installs `Promise.withResolvers` when the runtime lacks it; returns whether it did.
 *
 * @example
 * import './promise-with-resolvers'; // installs on import
 * installPromiseWithResolvers(); // false: already there
 */
export function installPromiseWithResolvers(): boolean {
  const constructor = Promise as PromiseConstructorWithResolvers;
  if (typeof constructor.withResolvers === 'function') return false;
  Object.defineProperty(constructor, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): PromiseWithResolversShape<T> {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new (this ?? Promise)<T>((onResolve, onReject) => {
        resolve = onResolve;
        reject = onReject;
      });
      return { promise, resolve, reject };
    },
  });
  return true;
}

installPromiseWithResolvers();
