import type nlpType from 'compromise';

// compromise takes a quarter of a second to load; every container and CLI process loads the tools,
// but only entity extraction needs it, so it loads on first use.
let nlpModule: typeof nlpType | undefined;
const nlp = (text: string): ReturnType<typeof nlpType> => {
  nlpModule ??= (require('compromise') as { default?: typeof nlpType }).default ?? (require('compromise') as typeof nlpType);
  return nlpModule(text);
};
import { isTechnologyTerm } from './technology';

/** A run of capitalized words and what it was recognized as. */
export interface NameMention {
  readonly kind: 'person' | 'organization' | 'place';
  readonly text: string;
}

interface Token {
  readonly text: string;
  readonly normal: string;
  readonly post: string;
  readonly tags: ReadonlySet<string>;
}

const HONORIFICS = new Set(['dr', 'prof', 'professor', 'mr', 'mrs', 'ms', 'sir', 'dame', 'president', 'senator', 'minister']);
const SPEECH_BEFORE = new Set(['says', 'said', 'explains', 'explained', 'notes', 'noted', 'adds', 'added', 'argues', 'argued', 'warns', 'warned', 'recalls', 'recalled', 'writes', 'wrote', 'told', 'asked', 'by']);
const SPEECH_AFTER = new Set(['said', 'says', 'told', 'explained', 'explains', 'argued', 'argues', 'noted', 'notes', 'added', 'adds', 'wrote', 'writes', 'warned', 'warns', 'recalled', 'recalls', 'estimated', 'estimates', 'believes', 'thinks']);
/** Last words that make a capitalized phrase an organization ("Bellwether Energy Analytics"). */
const ORGANIZATION_ENDINGS = new Set([
  'inc', 'ltd', 'llc', 'plc', 'corp', 'corporation', 'company', 'co', 'group', 'analytics', 'energy', 'power', 'authority', 'agency',
  'commission', 'council', 'university', 'institute', 'laboratory', 'laboratories', 'lab', 'labs', 'association', 'operator', 'department',
  'ministry', 'bank', 'fund', 'partners', 'systems', 'technologies', 'logistics', 'utilities', 'utility', 'foundation', 'consortium',
  'board', 'office', 'administration', 'services', 'networks', 'reserve', 'exchange', 'cooperative', 'electric', 'solutions', 'capital',
  'research', 'industries', 'motors', 'holdings', 'software', 'cloud', 'alliance', 'federation', 'forum', 'regulator', 'grid', 'storage',
  'advisory', 'consulting', 'consultancy', 'observatory', 'polytechnic', 'hospital', 'school', 'college', 'centre', 'center', 'academy', 'bureau',
  'data', 'mobility', 'transit', 'airlines', 'railways', 'media', 'press', 'times', 'news', 'ventures', 'trust', 'society', 'museum',
]);
/** Organizations commonly named by acronym or a single word, which no capitalization rule can tell apart. */
const KNOWN_ORGANIZATIONS = new Set([
  'iea', 'irena', 'ferc', 'nrel', 'aemo', 'ercot', 'caiso', 'pjm', 'miso', 'nyiso', 'ofgem', 'entso-e', 'epa', 'doe', 'un', 'eu', 'nato',
  'amazon', 'google', 'microsoft', 'openai', 'anthropic', 'tesla', 'meta', 'apple', 'ibm', 'nvidia', 'siemens', 'fluence', 'catl', 'byd',
  'national grid', 'european commission', 'world bank', 'amazon web services',
]);
/** Joiners inside a name: "Marlow & Finch" always; "of"/"for" only after an institution word ("Institute of Technology"). */
const CONNECTORS = new Set(['of', 'for', '&', 'de', 'du', 'von', 'van', 'la']);
const INSTITUTION_HEADS = new Set([
  'institute', 'university', 'department', 'ministry', 'bank', 'council', 'centre', 'center', 'museum', 'school', 'college', 'society',
  'board', 'office', 'city', 'republic', 'kingdom', 'bureau', 'agency', 'commission', 'federation', 'association', 'academy', 'laboratory',
]);
const EXCLUDED_TAGS = ['Demonym', 'Pronoun', 'Determiner', 'Preposition', 'Conjunction', 'Date', 'Month', 'WeekDay', 'Value', 'Honorific', 'QuestionWord', 'Copula', 'Modal', 'Adverb'];

/**
 * Finds people, organizations and places with compromise's part-of-speech tags plus context
 * cues compromise alone misses: honorifics, speech verbs ("says Priya Ramanathan"), appositives
 * naming a role ("Tomasz Wierzbicki, a platform engineer"), organization endings ("… Analytics")
 * and "<role> at <Organization>". A surname on its own counts as a mention of that person.
 *
 * @example
 * findNames(['"It works," says Priya Ramanathan, lead analyst at Bellwether.']);
 * // [{ kind: 'person', text: 'Priya Ramanathan' }, { kind: 'organization', text: 'Bellwether' }]
 */
export function findNames(sentences: readonly string[]): NameMention[] {
  const mentions: NameMention[] = [];
  const singles: string[] = [];
  for (const sentence of sentences) {
    const tokens = tokenize(sentence);
    for (const run of capitalizedRuns(tokens)) {
      const kind = classify(tokens, run.start, run.end);
      const text = tokens
        .slice(run.start, run.end)
        .map((token) => token.text)
        .join(' ')
        .replace(/['’]s$/, '');
      if (kind) mentions.push({ kind, text });
      else if (run.end - run.start === 1) singles.push(text);
    }
  }
  return attributeSurnames(mentions, singles, sentences.join(' '));
}

function tokenize(sentence: string): Token[] {
  const documentJson = nlp(sentence).json() as { terms: { text: string; normal: string; post: string; tags: string[] }[] }[];
  return documentJson.flatMap((part) =>
    part.terms.map((term) => {
      const possessive = /['’]s$/.test(term.text);
      const text = term.text.replace(/['’]s$/, '');
      // A possessive ends a name: "Australia's Snowy scheme" is not one name.
      return { text, normal: text.toLowerCase(), post: possessive ? `'s${term.post}` : term.post, tags: new Set(term.tags) };
    }),
  );
}

const PROPER_TAGS = ['ProperNoun', 'Person', 'Place', 'Organization', 'Acronym'];

function isNameWord(token: Token, index: number, next?: Token): boolean {
  if (!/^\p{Lu}/u.test(token.text) || EXCLUDED_TAGS.some((tag) => token.tags.has(tag))) return false;
  if (index > 0 || PROPER_TAGS.some((tag) => token.tags.has(tag))) return true;
  // Every sentence starts with a capital: an unknown first word ("Priya") counts only before a proper noun.
  return token.tags.has('Singular') && next !== undefined && /^\p{Lu}/u.test(next.text) && PROPER_TAGS.some((tag) => next.tags.has(tag));
}

function breaksAfter(token: Token): boolean {
  return /[,.;:!?()"“”\[\]—–']/.test(token.post);
}

function capitalizedRuns(tokens: readonly Token[]): { start: number; end: number }[] {
  const runs: { start: number; end: number }[] = [];
  let index = 0;
  while (index < tokens.length) {
    if (!isNameWord(tokens[index], index, tokens[index + 1])) {
      index++;
      continue;
    }
    const start = index;
    let end = index + 1;
    while (end < tokens.length && !breaksAfter(tokens[end - 1]) && end - start < 6) {
      if (isNameWord(tokens[end], end)) end++;
      else if (joins(tokens[end - 1], tokens[end]) && end + 1 < tokens.length && isNameWord(tokens[end + 1], end + 1) && !breaksAfter(tokens[end])) end += 2;
      else break;
    }
    runs.push({ start, end });
    index = end;
  }
  return runs;
}

function joins(previous: Token, connector: Token): boolean {
  if (connector.normal === '&') return true;
  return CONNECTORS.has(connector.normal) && (INSTITUTION_HEADS.has(previous.normal) || !['of', 'for'].includes(connector.normal));
}

function classify(tokens: readonly Token[], start: number, end: number): NameMention['kind'] | undefined {
  const run = tokens.slice(start, end);
  const normal = run.map((token) => token.normal).join(' ');
  const last = run[run.length - 1];
  const has = (tag: string): boolean => run.some((token) => token.tags.has(tag));
  const before = tokens[start - 1];
  const organizationEnding = ORGANIZATION_ENDINGS.has(last.normal.replace(/\.$/, ''));
  if (!has('Organization') && !has('Place') && !organizationEnding && !run.some((token) => token.tags.has('Acronym'))) {
    const twoOrThree = run.length >= 2 && run.length <= 3 && !run.some((token) => CONNECTORS.has(token.normal));
    const cue =
      (before !== undefined && HONORIFICS.has(before.normal.replace(/\.$/, ''))) ||
      (before !== undefined && SPEECH_BEFORE.has(before.normal)) ||
      (tokens[end] !== undefined && SPEECH_AFTER.has(tokens[end].normal) && !breaksAfter(last)) ||
      rolePhraseFollows(tokens, end) ||
      affiliationFollows(tokens, start, end) ||
      (has('Person') && run.some((token) => token.tags.has('FirstName') || token.tags.has('LastName')));
    if (twoOrThree && cue) return 'person';
  }
  if (isTechnologyTerm(run.map((token) => token.text).join(' '))) return undefined;
  if (KNOWN_ORGANIZATIONS.has(normal)) return 'organization';
  if (run.length >= 2 && (has('Organization') || organizationEnding)) return 'organization';
  // One capitalized word is too ambiguous ("Hospital", "Domain") unless it is an acronym or follows "<role> at".
  if (run.length === 1 && has('Organization') && /^[A-Z0-9&]{2,}$/.test(run[0].text)) return 'organization';
  if (before?.normal === 'at' && tokens[start - 2]?.tags.has('Actor') && !has('Place')) return 'organization';
  if (has('Place') && !has('Person') && !(run.length === 1 && /(?:ian|ean|ish|ese)$/.test(run[0].normal))) return 'place';
  return undefined;
}

/** "Priya Ramanathan of Bellwether Energy Analytics": a two-word name followed by "of/from" and an organization. */
function affiliationFollows(tokens: readonly Token[], start: number, end: number): boolean {
  const connector = tokens[end];
  if (end - start !== 2 || connector === undefined || breaksAfter(tokens[end - 1]) || !['of', 'from'].includes(connector.normal)) return false;
  const previous = tokens[start - 1];
  if (previous !== undefined && (previous.tags.has('Preposition') || previous.tags.has('Determiner'))) return false;
  const organization = tokens.slice(end + 1, end + 6);
  const nameEnd = organization.findIndex((token, index) => !isNameWord(token, end + 1 + index));
  const words = nameEnd < 0 ? organization : organization.slice(0, nameEnd);
  return words.length > 0 && (ORGANIZATION_ENDINGS.has(words[words.length - 1].normal) || words.some((token) => token.tags.has('Organization')));
}

/** "Name, a platform engineer …": a role noun within the next few words after a comma. */
function rolePhraseFollows(tokens: readonly Token[], end: number): boolean {
  if (!breaksAfter(tokens[end - 1]) || !tokens[end - 1].post.includes(',')) return false;
  for (let index = end; index < Math.min(tokens.length, end + 5); index++) {
    const token = tokens[index];
    if (token.tags.has('Actor')) return true;
    if (token.tags.has('Pronoun') || token.tags.has('QuestionWord') || token.tags.has('Copula') || /[.;:!?]/.test(token.post)) return false;
  }
  return false;
}

/** Counts "Ramanathan" on its own as a mention of "Priya Ramanathan" when only one person has that surname. */
function attributeSurnames(mentions: NameMention[], singles: readonly string[], text: string): NameMention[] {
  const bySurname = new Map<string, Set<string>>();
  for (const mention of mentions) {
    if (mention.kind !== 'person') continue;
    const surname = mention.text.split(' ').pop() as string;
    bySurname.set(surname, (bySurname.get(surname) ?? new Set()).add(mention.text));
  }
  const organizationsByFirstWord = new Map<string, string>();
  for (const mention of mentions) {
    if (mention.kind === 'organization' && mention.text.includes(' ')) organizationsByFirstWord.set(mention.text.split(' ')[0], mention.text);
  }
  const attributed = mentions.map((mention) => {
    // "Bellwether" after "Bellwether Energy Analytics" is the same organization.
    const longer = mention.kind === 'organization' && !mention.text.includes(' ') ? organizationsByFirstWord.get(mention.text) : undefined;
    return longer ? { kind: mention.kind, text: longer } : mention;
  });
  for (const single of singles) {
    const organization = organizationsByFirstWord.get(single);
    if (organization && !bySurname.has(single)) attributed.push({ kind: 'organization', text: organization });
  }
  for (const [surname, people] of bySurname) {
    if (people.size !== 1) continue;
    const person = [...people][0];
    // Every mention of the surname, with or without the first name, is a mention of the person.
    const surnameMentions = text.match(new RegExp(`(?<![\\p{L}])${surname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'gu'))?.length ?? 0;
    const fullMentions = attributed.filter((mention) => mention.kind === 'person' && mention.text === person).length;
    for (let extra = fullMentions; extra < surnameMentions; extra++) attributed.push({ kind: 'person', text: person });
  }
  return attributed;
}
