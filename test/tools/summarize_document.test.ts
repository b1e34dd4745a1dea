import { ToolArgumentsError } from '../../framework/errors';
import { splitSentences } from '../../tools/shared/sentences';
import { summarizeDocument, summarize } from '../../tools/summarize_document/tool';
import { rankSentences } from '../../tools/summarize_document/textrank';
import { getDocument } from '../../tools/get_document/tool';
import { run } from './tool-context';

const BATTERIES = [
  'Grid batteries store solar power at midday.',
  'Batteries release stored solar power in the evening peak.',
  'Storing solar power in batteries lowers evening prices.',
  'The weather in Lisbon was pleasant on Tuesday.',
].join(' ');

describe('summarize_document', () => {
  it('ranks the sentence that shares the most with the others highest', () => {
    const sentences = splitSentences(BATTERIES);

    const scores = rankSentences(sentences);

    expect(scores).toHaveLength(4);
    expect(Math.min(...scores)).toBe(scores[3]);
    expect(scores.reduce((sum, score) => sum + score, 0)).toBeCloseTo(1, 6);
  });

  it('keeps the central sentences in their original order within max_length', () => {
    const result = summarize(BATTERIES, 110);

    expect(result.summary.length).toBeLessThanOrEqual(110);
    expect(result.summary).not.toContain('Lisbon');
    expect(result.sentences).toBe(2);
    const picked = splitSentences(BATTERIES).filter((sentence) => result.summary.includes(sentence));
    expect(picked.join(' ')).toBe(result.summary);
  });

  it('summarizes a corpus document within the default 600 characters, keeping its most central sentence', async () => {
    const result = await run(summarizeDocument, { text: null, documentId: 'vanadium-flow-batteries-long-duration', max_length: null });
    const { text } = await run(getDocument, { id: 'vanadium-flow-batteries-long-duration' });
    const sentences = splitSentences(text);
    const scores = rankSentences(sentences);
    const mostCentral = sentences[scores.indexOf(Math.max(...scores))];

    expect(result.method).toBe('textrank');
    expect(result.summary.length).toBeLessThanOrEqual(600);
    expect(result.sentences).toBeGreaterThanOrEqual(2);
    expect(result.summary).toContain(mostCentral);
    expect(result.summary.toLowerCase()).toContain('vanadium');
  });

  it('cuts a single overlong sentence at a word boundary with an ellipsis', () => {
    const sentence = 'Pumped hydro plants move water between two reservoirs at different heights to store and release large amounts of energy for many hours.';

    const result = summarize(sentence, 80);

    expect(result.summary.length).toBeLessThanOrEqual(80);
    expect(result.summary.endsWith('…')).toBe(true);
    expect(sentence.startsWith(result.summary.slice(0, -1))).toBe(true);
    expect(sentence[result.summary.length - 1]).toBe(' ');
  });

  it('does not split sentences at abbreviations, initials or decimals', () => {
    expect(splitSentences('Dr. J. Smith stored 2.4 GWh in the U.S. last year. It worked!')).toEqual([
      'Dr. J. Smith stored 2.4 GWh in the U.S. last year.',
      'It worked!',
    ]);
  });

  it('requires exactly one of text and documentId, naming both fields', () => {
    const both = (): unknown => summarizeDocument.execute({ text: 'Some text.', documentId: 'x', max_length: null }, contextStub());
    const neither = (): unknown => summarizeDocument.execute({ text: null, documentId: null, max_length: null }, contextStub());

    expect(both).toThrow(ToolArgumentsError);
    expect(neither).toThrow(/"text" or "documentId"/);
  });

  it('rejects a max_length below 80 characters', () => {
    expect(() => summarizeDocument.parse({ text: 'x', documentId: null, max_length: 20 })).toThrow(/max_length/);
  });
});

function contextStub() {
  return { callId: 'c', idempotencyKey: 'e:c', executionId: 'e', context: { corpusDir: '/nowhere', outboxDir: '/nowhere' }, signal: new AbortController().signal };
}
