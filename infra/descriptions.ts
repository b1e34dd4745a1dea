/**
 * Descriptions built from user text (a tool's description) must be accepted by the services that
 * store them, or the deployment fails halfway. These limits and character sets are the services'.
 */

/** IAM role descriptions: at most 1,000 characters of tab, newline, printable ASCII and Latin-1. */
export const IAM_DESCRIPTION_LIMIT = 1_000;
const IAM_DESCRIPTION_CHARACTERS = /[^\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]/gu;

/** Lambda function descriptions: at most 256 characters. */
export const LAMBDA_DESCRIPTION_LIMIT = 256;

/** Typographic characters people paste into descriptions, and the ASCII that reads the same. */
const ASCII_EQUIVALENTS: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2022': '*',
  '\u2192': '->',
  '\u2190': '<-',
  '\u00A0': ' ',
};

/**
 * Cuts `text` to at most `limit` UTF-16 units without splitting a character in two.
 *
 * @example
 * clipCharacters('ab😀', 3); // 'ab'
 */
export function clipCharacters(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/**
 * A description IAM accepts for a role: compatibility characters folded (NFKC), typographic
 * quotes and dashes turned into ASCII, anything else outside IAM's character set (emoji, CJK, …)
 * dropped, whitespace collapsed, and the result clipped to 1,000 characters.
 *
 * @example
 * iamDescription('Stepwise tool "search": finds 📄 documents — fast'); // 'Stepwise tool "search": finds documents - fast'
 */
export function iamDescription(text: string): string {
  const folded = text.normalize('NFKC').replace(/./gsu, (character) => ASCII_EQUIVALENTS[character] ?? character);
  return clipCharacters(oneLine(folded.replace(IAM_DESCRIPTION_CHARACTERS, '')), IAM_DESCRIPTION_LIMIT).trimEnd();
}

/**
 * A Lambda function description: one line, clipped to 256 characters without splitting a character.
 *
 * @example
 * lambdaDescription('Stepwise tool "search":\nfinds documents'); // 'Stepwise tool "search": finds documents'
 */
export function lambdaDescription(text: string): string {
  return clipCharacters(oneLine(text), LAMBDA_DESCRIPTION_LIMIT).trimEnd();
}
