import { progressPrinter } from '../../cli/progress';
import type { StepwiseEvent } from '../../framework';

const base = { runId: 'run-1', agent: 'calc', at: '2026-01-01T00:00:00.000Z' };
const delta = (iteration: number, attempt: number, text: string): StepwiseEvent => ({ ...base, type: 'model.delta', iteration, attempt, text });
const step = (iteration: number, thought: string, final = false): StepwiseEvent => ({ ...base, type: 'model.step', iteration, thought, toolCalls: [], final });

describe('progressPrinter with streamed text', () => {
  it('prints streamed text as it comes, marks a restarted stream, and does not repeat the thought', () => {
    let screen = '';
    const print = progressPrinter((line) => (screen += `${line}\n`), { color: false, writeText: (text) => (screen += text) });

    print(delta(1, 1, 'I will add'));
    print(delta(1, 2, 'I will add 1 and 2'));
    print(delta(1, 2, '\nwith the tool.'));
    print(step(1, 'I will add 1 and 2\nwith the tool.'));
    print(delta(2, 1, 'The sum is 3.'));
    print(step(2, '', true));

    expect(screen).toBe(
      ['[1] I will add', '    ↻ the reply broke off; the model is answering again (attempt 2)', '[1] I will add 1 and 2', '    with the tool.', '[2] The sum is 3.', ''].join('\n'),
    );
    expect(print.answerShown('The sum is 3.')).toBe(true);
    expect(print.answerShown('Something else')).toBe(false);
  });

  it('prints whole lines when it cannot write partial text', () => {
    const lines: string[] = [];
    const print = progressPrinter((line) => lines.push(line), { color: false });

    print(delta(1, 1, 'first line\nsecond '));
    print(delta(1, 1, 'line'));
    expect(lines).toEqual(['[1] first line']);
    print(step(1, 'first line\nsecond line'));

    expect(lines).toEqual(['[1] first line', '    second line']);
  });

  it('still prints the thought of a step that did not stream', () => {
    const lines: string[] = [];
    progressPrinter((line) => lines.push(line), { color: false })(step(3, 'Searching the documents.'));

    expect(lines).toEqual(['[3] Searching the documents.']);
  });
});
