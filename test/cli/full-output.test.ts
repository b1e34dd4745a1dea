import { PayloadNotFoundError } from '../../framework/internal';
import { fullOutput, type Target } from '../../cli/target';

/** A target whose payload store holds one answer. */
const target = (stored: Record<string, unknown>) =>
  ({
    resolve: async (ref: string) => {
      if (!(ref in stored)) throw new PayloadNotFoundError(ref);
      return stored[ref];
    },
  }) as unknown as Target;

describe('the execution output the CLI shows', () => {
  it('has the whole answer when the output carries only its start and a reference', async () => {
    const output = await fullOutput(target({ 'stepwise-payload:results/run-1': 'the whole answer' }), JSON.stringify({ answer: 'the whole… [cut]', resultRef: 'stepwise-payload:results/run-1', iterations: 2 }));

    expect(output).toEqual({ answer: 'the whole answer', resultRef: 'stepwise-payload:results/run-1', iterations: 2 });
  });

  it('keeps the start and says so when the whole answer cannot be read', async () => {
    const output = await fullOutput(target({}), JSON.stringify({ answer: 'the start', resultRef: 'stepwise-payload:results/gone' }));

    expect(output).toMatchObject({ answer: 'the start', resultError: expect.stringContaining('only the start of the answer is shown: the whole answer at stepwise-payload:results/gone could not be read') });
  });

  it('leaves a short answer as it is', async () => {
    await expect(fullOutput(target({}), JSON.stringify({ answer: 'short', resultRef: null }))).resolves.toEqual({ answer: 'short', resultRef: null });
    await expect(fullOutput(target({}), undefined)).resolves.toBeNull();
  });
});
