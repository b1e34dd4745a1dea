import { stem } from './stem';

/** Common English words that carry no topic: ignored by search, classification and TextRank. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all almost also although am among an and any are aren\'t around as at be because been before being ' +
    'below between both but by can cannot could couldn\'t did didn\'t do does doesn\'t doing don\'t down during each either else enough etc even ' +
    'ever every few for from further get gets got had hadn\'t has hasn\'t have haven\'t having he her here hers herself him himself his how however ' +
    'i if in into is isn\'t it it\'s its itself just least less let like made make many may me might more most much must my myself neither no nor ' +
    'not now of off often on once one only or other others otherwise our ours ourselves out over own per perhaps quite rather really said same ' +
    'say says see seen shall she should shouldn\'t since so some such than that that\'s the their theirs them themselves then there there\'s ' +
    'these they this those though through thus to too toward towards under until up upon us use used uses using very via was wasn\'t we were ' +
    'weren\'t what when where whether which while who whom whose why will with within without won\'t would wouldn\'t yet you your yours ' +
    'yourself yourselves'
  ).split(/\s+/),
);

/** Lower-cased word tokens (letters, digits, inner hyphens and apostrophes) in order of appearance. */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu) ?? []).map((token) => token.replace(/’/g, "'"));
}

/**
 * Content terms of a text: words minus stop words, possessives dropped, Porter-stemmed. Hyphenated
 * words count as their parts (so "lithium-ion" matches "lithium ion").
 *
 * @example
 * contentTerms('The batteries were charging'); // ['batteri', 'charg']
 */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of words(text)) {
    for (const part of token.replace(/'s$/, '').split('-')) {
      const term = normalizeTerm(part);
      if (term !== null) terms.push(term);
    }
  }
  return terms;
}

/** The stemmed form of one word, or null for stop words and single characters. */
export function normalizeTerm(word: string): string | null {
  const lower = word.toLowerCase().replace(/’/g, "'").replace(/'s$/, '');
  if (lower.length < 2 || STOP_WORDS.has(lower)) return null;
  return stem(lower);
}
