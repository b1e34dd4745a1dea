import { runAgent } from 'stepwise-agents';
import { scriptedModel } from 'stepwise-agents/testing';
import { assistant } from '../stepwise.config';
import { countWords } from '../tools/count_words/tool';

describe('assistant', () => {
  it('counts words with its tool and answers with the count', async () => {
    const model = scriptedModel([
      { toolCalls: [{ name: 'count_words', args: { text: 'one two three' } }] },
      { text: 'There are 3 words.' },
    ]);
    const result = await runAgent(assistant, 'How many words in "one two three"?', { model });
    expect(result.status).toBe('COMPLETED');
    expect(model.requests[1].messages.find((message) => message.role === 'tool')?.content).toContain('"words":3');
  });

  it('runs without a language model on its offline plan', async () => {
    const result = await runAgent(assistant, 'count these four words');
    expect(result).toMatchObject({ status: 'COMPLETED', answer: expect.stringContaining('4 words') });
  });

  it('refuses arguments its schema does not allow', () => {
    expect(() => countWords.parse({ text: '' })).toThrow(/text/);
  });
});
