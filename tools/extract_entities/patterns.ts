import { STOP_WORDS } from '../shared/terms';

/** A span of text recognized by a pattern. */
export interface PatternMatch {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const MONTH = '(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\\.?';
const YEAR = '(?:1[89]\\d{2}|20\\d{2}|21\\d{2})';

/** Most specific first: a full date must win over the month-year and the year inside it. */
const DATE_PATTERNS: readonly RegExp[] = [
  new RegExp(`\\b\\d{4}-\\d{2}-\\d{2}\\b`, 'g'),
  new RegExp(`\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+${YEAR}\\b`, 'g'),
  new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH}\\s+${YEAR}\\b`, 'g'),
  new RegExp(`\\b(?:(?:early|mid|late)[-\\s])?${MONTH}\\s+${YEAR}\\b`, 'gi'),
  new RegExp(`\\bQ[1-4]\\s+${YEAR}\\b`, 'g'),
  new RegExp(`\\b(?:first|second|third|fourth|last)\\s+quarter\\s+of\\s+${YEAR}\\b`, 'gi'),
  new RegExp(`\\b(?:(?:early|mid|late)[-\\s]|(?:spring|summer|autumn|fall|winter)\\s+(?:of\\s+)?)${YEAR}\\b`, 'gi'),
  new RegExp(`\\b(?:1[89]|20)\\d0s\\b`, 'g'),
  // A bare year: not a price, not part of a longer number, not a quantity with a unit.
  new RegExp(`(?<![$€£\\d.,])\\b${YEAR}\\b(?![.,]?\\d|\\s?(?:%|MW|GW|kW|MWh|GWh|kWh|TWh|km|kg|tonnes|people|homes|units))`, 'g'),
];

const CURRENCY = '(?:US\\$|A\\$|C\\$|\\$|€|£|¥)';
const SCALE = '(?:trillion|billion|million|thousand|bn|mn|[kKmMbB](?![a-zA-Z]))';
const UNITS = [
  'TWh', 'GWh', 'MWh', 'kWh', 'Wh', 'TW', 'GW', 'MW', 'kW', 'W', 'kV', 'MVA', 'Hz', 'mAh', 'Ah',
  'km/h', 'mph', 'km', 'cm', 'mm', 'm', 'miles', 'kilometres', 'kilometers', 'metres', 'meters', 'feet',
  'kg', 'tonnes', 'tons', 'Mt', 'Gt', 'MtCO2', 'tCO2', 'g', 'litres', 'liters', 'gallons', 'barrels',
  '°C', '°F', 'degrees', 'years', 'year', 'months', 'month', 'weeks', 'days', 'hours', 'hour', 'minutes', 'seconds', 'ms',
  'cycles', 'GB', 'MB', 'TB', 'vCPU', 'vCPUs', 'tokens', 'requests', 'times', 'x',
];
const UNIT = `(?:${[...UNITS].sort((left, right) => right.length - left.length).map(escapeRegExp).join('|')})`;
const NUMBER = '\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?';
const NUMBER_PATTERN = new RegExp(
  `(?<![\\w.])(?:${CURRENCY}\\s?)?(?:${NUMBER})(?:\\s?(?:-|to|–)\\s?(?:${NUMBER}))?` +
    `(?:\\s?${SCALE})?` +
    `(?:\\s?(?:%|percent|per cent)|\\s?${UNIT}(?![\\w]))?` +
    `(?:\\s?(?:per|/)\\s?${UNIT}(?![\\w]))?` +
    `(?<noun>\\s+[a-z][a-z-]+s\\b)?`,
  'g',
);

/**
 * Dates as written: ISO dates, "March 3, 2021", "3 March 2021", "December 2017", "Q3 2024",
 * "late 2023", "the 2030s", and bare years.
 *
 * @example
 * findDates('It opened in December 2017 and grew by 2020.').map((m) => m.text); // ['December 2017', '2020']
 */
export function findDates(text: string): PatternMatch[] {
  return matchWithoutOverlap(text, DATE_PATTERNS, []);
}

/**
 * Numbers that state a quantity: amounts of money, percentages, numbers with a scale word or a
 * unit ("2.4 GWh", "$120 million", "$245 per kWh", "35%"), and counts of a plural noun
 * ("1,200 homes"). Bare numbers without any of these are left out; dates are never numbers.
 *
 * @example
 * findNumbers('It cost $120 million for 2.4 GWh.', []).map((m) => m.text); // ['$120 million', '2.4 GWh']
 */
export function findNumbers(text: string, dates: readonly PatternMatch[]): PatternMatch[] {
  const found: PatternMatch[] = [];
  for (const match of text.matchAll(NUMBER_PATTERN)) {
    const start = match.index as number;
    const end = start + match[0].length;
    if (dates.some((date) => start < date.end && date.start < end)) continue;
    let value = match[0].trim();
    const noun = match.groups?.noun?.trim();
    if (noun !== undefined) {
      // Only a bare count takes the following plural noun ("1,200 homes"); "42 GW was" is not "GW was".
      const withoutNoun = value.slice(0, value.length - noun.length).trim();
      const countable = /^[\d.,\s-]+$/.test(withoutNoun) && !STOP_WORDS.has(noun) && !/(?:ss|us|is)$/.test(noun);
      if (!countable) value = withoutNoun;
    }
    const hasCurrency = new RegExp(`^${CURRENCY}`).test(value);
    // A unit, scale word, percent sign or counted noun; the "to" of a range does not count.
    const hasSuffix = /[\p{L}%°]/u.test(value.replace(new RegExp(`^${CURRENCY}\\s?`), '').replace(/\sto\s/g, ' '));
    if (!hasCurrency && !hasSuffix) continue;
    found.push({ text: value.replace(/\s+/g, ' '), start, end: start + value.length });
  }
  return found;
}

function matchWithoutOverlap(text: string, patterns: readonly RegExp[], taken: PatternMatch[]): PatternMatch[] {
  const found: PatternMatch[] = [];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index as number;
      const end = start + match[0].length;
      if ([...taken, ...found].some((other) => start < other.end && other.start < end)) continue;
      found.push({ text: match[0].replace(/\s+/g, ' ').trim(), start, end });
    }
  }
  return found.sort((left, right) => left.start - right.start);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
