import { installPromiseWithResolvers } from '../../state-machines';

type WithResolvers = <T>() => { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };

describe('the Promise.withResolvers polyfill', () => {
  const promiseConstructor = Promise as unknown as { withResolvers?: WithResolvers };
  const original = promiseConstructor.withResolvers;

  afterEach(() => {
    if (original) {
      promiseConstructor.withResolvers = original;
    } else {
      delete promiseConstructor.withResolvers;
      installPromiseWithResolvers();
    }
  });

  it('installs a working Promise.withResolvers when the runtime has none', async () => {
    // Prepare
    delete promiseConstructor.withResolvers;

    // Act
    const installed = installPromiseWithResolvers();
    const first = promiseConstructor.withResolvers!<string>();
    const second = promiseConstructor.withResolvers!<string>();
    first.resolve('done');
    second.reject(new Error('failed'));

    // Assess
    expect(installed).toBe(true);
    await expect(first.promise).resolves.toBe('done');
    await expect(second.promise).rejects.toThrow('failed');
  });

  it('leaves an existing Promise.withResolvers alone', () => {
    // Prepare
    const existing: WithResolvers = () => ({ promise: Promise.resolve(undefined as never), resolve: () => undefined, reject: () => undefined });
    promiseConstructor.withResolvers = existing;

    // Act
    const installed = installPromiseWithResolvers();

    // Assess
    expect(installed).toBe(false);
    expect(promiseConstructor.withResolvers).toBe(existing);
  });
});
