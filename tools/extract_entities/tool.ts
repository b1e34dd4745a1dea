import { defineTool } from '../shared/framework';
import type { BundledToolContext } from '../workspace';
import { plainText, splitSentences } from '../shared/sentences';
import { resolveTextInput } from '../shared/text-input';
import { findNames } from './names';
import { findDates, findNumbers } from './patterns';
import { ENTITY_TYPES, EntityType, extractEntitiesParameters, type EntityMention, type ExtractEntitiesResult } from './schema';
import { findTechnologies } from './technology';

const TOOL_NAME = 'extract_entities';

/**
 * Extracts entities of the requested types from plain or Markdown text, deduplicated (ignoring
 * case) with the number of mentions, most frequent first.
 *
 * @example
 * extractEntitiesFromText('Priya Ramanathan of Bellwether Energy Analytics said 42 GW was added in 2023.', ['person', 'number']);
 * // { entities: { person: [{ text: 'Priya Ramanathan', count: 1 }], number: [{ text: '42 GW', count: 1 }] } }
 */
export function extractEntitiesFromText(text: string, types: readonly EntityType[] = ENTITY_TYPES): ExtractEntitiesResult {
  const wanted = new Set(types);
  const prose = plainText(text);
  const mentions: Record<EntityType, string[]> = { person: [], organization: [], place: [], date: [], number: [], technology: [] };
  if (wanted.has(EntityType.Person) || wanted.has(EntityType.Organization) || wanted.has(EntityType.Place)) {
    // Inline code holds identifiers (`RunAgent`), not names of people or places.
    const withoutCode = plainText(text.replace(/`[^`\n]+`/g, ''));
    for (const name of findNames(splitSentences(withoutCode))) mentions[name.kind].push(name.text);
  }
  const dates = findDates(prose);
  mentions.date = dates.map((match) => match.text);
  if (wanted.has(EntityType.Number)) mentions.number = findNumbers(prose, dates).map((match) => match.text);
  if (wanted.has(EntityType.Technology)) mentions.technology = findTechnologies(prose).map((match) => match.text);
  const entities: Partial<Record<EntityType, EntityMention[]>> = {};
  for (const type of ENTITY_TYPES) if (wanted.has(type)) entities[type] = countMentions(mentions[type]);
  return { entities };
}

/** Groups mentions case-insensitively under their most frequent spelling; ties keep the first seen. */
function countMentions(mentions: readonly string[]): EntityMention[] {
  const groups = new Map<string, { spellings: Map<string, number>; count: number; first: number }>();
  mentions.forEach((mention, position) => {
    const key = mention.toLowerCase();
    const group = groups.get(key) ?? { spellings: new Map<string, number>(), count: 0, first: position };
    group.count++;
    group.spellings.set(mention, (group.spellings.get(mention) ?? 0) + 1);
    groups.set(key, group);
  });
  return [...groups.values()]
    .sort((left, right) => right.count - left.count || left.first - right.first)
    .map((group) => ({ text: [...group.spellings.entries()].sort((left, right) => right[1] - left[1])[0][0], count: group.count }));
}

/** Named-entity extraction, offline: people, organizations, places, dates, quantities and technologies. */
export const extractEntities = defineTool({
  name: TOOL_NAME,
  description:
    'Extracts named entities from a text or a corpus document (give exactly one of text or documentId): people, organizations, places, ' +
    'dates, numbers with their units (e.g. "2.4 GWh", "35%", "$120 million") and technologies. Each entity comes with its mention count.',
  parameters: extractEntitiesParameters,
  // Read-only: running a call again after a crash is harmless, so it skips the durable "started" mark.
  sideEffects: false,
  execute: (args, context: BundledToolContext): ExtractEntitiesResult => {
    const { text } = resolveTextInput(TOOL_NAME, args, context.context);
    return extractEntitiesFromText(text, args.entity_types ?? ENTITY_TYPES);
  },
});
