import { z } from 'zod';

/** The entity types extract_entities recognizes. */
export const EntityType = {
  Person: 'person',
  Organization: 'organization',
  Place: 'place',
  Date: 'date',
  Number: 'number',
  Technology: 'technology',
} as const;
export type EntityType = (typeof EntityType)[keyof typeof EntityType];

export const ENTITY_TYPES = Object.values(EntityType) as [EntityType, ...EntityType[]];

export const extractEntitiesParameters = z.object({
  text: z.string().nullable().describe('Text to analyse; null when documentId is given'),
  documentId: z.string().nullable().describe('Id of a corpus document to analyse; null when text is given'),
  entity_types: z
    .array(z.enum(ENTITY_TYPES))
    .min(1)
    .nullable()
    .describe(`Which entity types to extract, any of ${ENTITY_TYPES.join(', ')}; null for all of them`),
});

export type ExtractEntitiesArgs = z.output<typeof extractEntitiesParameters>;

/** One distinct entity and how often the text mentions it. */
export interface EntityMention {
  readonly text: string;
  readonly count: number;
}

export interface ExtractEntitiesResult {
  /** One list per requested type, most frequent first. */
  readonly entities: Partial<Record<EntityType, EntityMention[]>>;
}
