import { defineTool, ToolExecutionError } from '../shared/framework';
import type { BundledToolContext } from '../workspace';
import { splitSentences } from '../shared/sentences';
import { resolveTextInput } from '../shared/text-input';
import { SummaryLength, summarizeDocumentParameters, type SummarizeDocumentResult } from './schema';
import { rankSentences } from './textrank';

const TOOL_NAME = 'summarize_document';
const ELLIPSIS = '…';

/**
 * Extractive summary: the highest-ranked sentences (TextRank) that fit in `maxLength` characters,
 * in their original order. When not even the best sentence fits, it is cut at a word boundary
 * and ends with "…".
 *
 * @example
 * summarize(articleText, 300).summary.length <= 300; // true
 */
export function summarize(text: string, maxLength: number): SummarizeDocumentResult {
  const sentences = splitSentences(text);
  if (sentences.length === 0) throw new ToolExecutionError(TOOL_NAME, 'The text has no sentences to summarize: pass prose, not an empty string or only headings');
  const scores = rankSentences(sentences);
  const byRank = sentences.map((_, index) => index).sort((left, right) => scores[right] - scores[left] || left - right);
  const chosen: number[] = [];
  let length = 0;
  for (const index of byRank) {
    const added = sentences[index].length + (chosen.length > 0 ? 1 : 0);
    if (length + added > maxLength) continue;
    chosen.push(index);
    length += added;
  }
  if (chosen.length === 0) {
    return { summary: truncateAtWord(sentences[byRank[0]], maxLength), sentences: 1, method: 'textrank' };
  }
  chosen.sort((left, right) => left - right);
  return { summary: chosen.map((index) => sentences[index]).join(' '), sentences: chosen.length, method: 'textrank' };
}

function truncateAtWord(sentence: string, maxLength: number): string {
  const room = maxLength - ELLIPSIS.length;
  const cut = sentence.slice(0, room + 1);
  const lastSpace = cut.lastIndexOf(' ');
  const head = (lastSpace > 0 ? cut.slice(0, lastSpace) : sentence.slice(0, room)).replace(/[\s,;:.\-–—]+$/, '');
  return head + ELLIPSIS;
}

/** Summarizes a text or a corpus document with TextRank, offline. */
export const summarizeDocument = defineTool({
  name: TOOL_NAME,
  description:
    'Summarizes a text or a corpus document (give exactly one of text or documentId) by extracting its most central sentences (TextRank). ' +
    'The summary never exceeds max_length characters.',
  parameters: summarizeDocumentParameters,
  // Read-only: running a call again after a crash is harmless, so it skips the durable "started" mark.
  sideEffects: false,
  execute: (args, context: BundledToolContext): SummarizeDocumentResult => {
    const { text } = resolveTextInput(TOOL_NAME, args, context.context);
    return summarize(text, args.max_length ?? SummaryLength.default);
  },
});
