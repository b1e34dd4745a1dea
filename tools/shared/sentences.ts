/** Abbreviations whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'e.g', 'i.e', 'inc', 'ltd', 'co', 'corp', 'no', 'fig',
  'approx', 'est', 'dept', 'gov', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'u.s', 'u.k', 'e.u',
]);

/**
 * Splits prose into sentences. Markdown headings, list markers and emphasis are removed; a
 * paragraph break or a heading always ends a sentence; a period after an abbreviation
 * ("Dr.", "e.g."), an initial ("J. Smith") or inside a number ("2.4") does not.
 *
 * @example
 * splitSentences('Dr. Lee measured 2.4 GWh. It worked!'); // ['Dr. Lee measured 2.4 GWh.', 'It worked!']
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const block of proseBlocks(text)) {
    let start = 0;
    const boundary = /[.!?…]+["'’”)\]]*(?=\s+|$)/g;
    for (let match = boundary.exec(block); match !== null; match = boundary.exec(block)) {
      const end = match.index + match[0].length;
      if (match[0].startsWith('.') && match[0].length === 1 && !endsSentence(block, match.index, end)) continue;
      pushSentence(sentences, block.slice(start, end));
      start = end;
    }
    pushSentence(sentences, block.slice(start));
  }
  return sentences;
}

function pushSentence(sentences: string[], raw: string): void {
  const sentence = raw.replace(/\s+/g, ' ').trim();
  if (/[\p{L}\p{N}]/u.test(sentence)) sentences.push(sentence);
}

function endsSentence(block: string, periodIndex: number, end: number): boolean {
  const before = /([\p{L}.]+)$/u.exec(block.slice(Math.max(0, periodIndex - 12), periodIndex))?.[1] ?? '';
  const word = before.toLowerCase().replace(/^\.+/, '');
  if (ABBREVIATIONS.has(word)) return false;
  if (/^\p{Lu}$/u.test(before)) return false; // an initial, as in "J. Smith"
  const next = block.slice(end).trimStart();
  // A sentence starts with a capital, a digit, a quote or a bracket; anything else continues this one.
  return next === '' || /^["'“‘(\[\p{Lu}\p{N}]/u.test(next);
}

/** Paragraphs and list items of Markdown or plain text, without headings and markup. */
function proseBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) blocks.push(current.join(' '));
    current = [];
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || /^#{1,6}\s/.test(line) || /^([-*_]\s*){3,}$/.test(line) || line.startsWith('```') || line.startsWith('|')) {
      flush();
      continue;
    }
    const listItem = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (listItem) {
      flush();
      current.push(stripInlineMarkup(listItem[1]));
      continue;
    }
    current.push(stripInlineMarkup(line.replace(/^>\s?/, '')));
  }
  flush();
  return blocks;
}

function stripInlineMarkup(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_]+)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1');
}

/** Plain prose of Markdown text (headings dropped, markup removed), paragraphs separated by blank lines. */
export function plainText(text: string): string {
  return proseBlocks(text).join('\n\n');
}
