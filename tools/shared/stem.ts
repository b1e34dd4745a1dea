/**
 * The Porter (1980) stemming algorithm, so "batteries", "battery" and "battery's" meet as
 * "batteri" in search and classification. Words of one or two letters are returned unchanged.
 *
 * @example
 * stem('connections'); // 'connect'
 */
export function stem(word: string): string {
  if (word.length <= 2) return word;
  let w = word.toLowerCase();
  const startsWithY = w.startsWith('y');
  if (startsWithY) w = 'Y' + w.slice(1);
  w = step1a(w);
  w = step1b(w);
  if (w.endsWith('y') && hasVowel(w.slice(0, -1))) w = w.slice(0, -1) + 'i';
  w = replaceSuffix(w, STEP2, 0);
  w = replaceSuffix(w, STEP3, 0);
  w = step4(w);
  w = step5(w);
  return startsWithY ? 'y' + w.slice(1) : w;
}

const STEP2: readonly (readonly [string, string])[] = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'], ['bli', 'ble'],
  ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'], ['ation', 'ate'],
  ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'],
  ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log'],
];
const STEP3: readonly (readonly [string, string])[] = [
  ['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', ''],
];
const STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize'];

function isConsonant(word: string, index: number): boolean {
  const char = word[index];
  if ('aeiou'.includes(char)) return false;
  if (char === 'y') return index === 0 ? true : !isConsonant(word, index - 1);
  return true;
}

/** The number of vowel-consonant sequences (Porter's m). */
function measure(stemPart: string): number {
  let count = 0;
  let index = 0;
  const length = stemPart.length;
  while (index < length && isConsonant(stemPart, index)) index++;
  while (index < length) {
    while (index < length && !isConsonant(stemPart, index)) index++;
    if (index >= length) break;
    while (index < length && isConsonant(stemPart, index)) index++;
    count++;
  }
  return count;
}

function hasVowel(stemPart: string): boolean {
  for (let index = 0; index < stemPart.length; index++) if (!isConsonant(stemPart, index)) return true;
  return false;
}

function endsWithDoubleConsonant(word: string): boolean {
  const length = word.length;
  return length >= 2 && word[length - 1] === word[length - 2] && isConsonant(word, length - 1);
}

/** consonant-vowel-consonant ending, the last not w, x or y (e.g. "hop"). */
function endsCvc(word: string): boolean {
  const length = word.length;
  if (length < 3) return false;
  return isConsonant(word, length - 3) && !isConsonant(word, length - 2) && isConsonant(word, length - 1) && !'wxy'.includes(word[length - 1]);
}

function step1a(word: string): string {
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ies')) return word.slice(0, -2);
  if (word.endsWith('ss')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

function step1b(word: string): string {
  if (word.endsWith('eed')) return measure(word.slice(0, -3)) > 0 ? word.slice(0, -1) : word;
  for (const suffix of ['ed', 'ing']) {
    if (!word.endsWith(suffix)) continue;
    const base = word.slice(0, -suffix.length);
    if (!hasVowel(base)) return word;
    if (base.endsWith('at') || base.endsWith('bl') || base.endsWith('iz')) return base + 'e';
    if (endsWithDoubleConsonant(base) && !'lsz'.includes(base[base.length - 1])) return base.slice(0, -1);
    if (measure(base) === 1 && endsCvc(base)) return base + 'e';
    return base;
  }
  return word;
}

function replaceSuffix(word: string, rules: readonly (readonly [string, string])[], minimumMeasure: number): string {
  for (const [suffix, replacement] of rules) {
    if (word.endsWith(suffix)) {
      const base = word.slice(0, -suffix.length);
      return measure(base) > minimumMeasure ? base + replacement : word;
    }
  }
  return word;
}

function step4(word: string): string {
  for (const suffix of STEP4) {
    if (!word.endsWith(suffix)) continue;
    const base = word.slice(0, -suffix.length);
    if (measure(base) <= 1) return word;
    if (suffix === 'ion' && !(base.endsWith('s') || base.endsWith('t'))) return word;
    return base;
  }
  return word;
}

function step5(word: string): string {
  let result = word;
  if (result.endsWith('e')) {
    const base = result.slice(0, -1);
    const m = measure(base);
    if (m > 1 || (m === 1 && !endsCvc(base))) result = base;
  }
  if (measure(result) > 1 && endsWithDoubleConsonant(result) && result.endsWith('l')) result = result.slice(0, -1);
  return result;
}
