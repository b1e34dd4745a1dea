import { extractEntities, extractEntitiesFromText } from '../../tools/extract_entities/tool';
import { run } from './tool-context';

const texts = (mentions: readonly { text: string }[] | undefined): string[] => (mentions ?? []).map((mention) => mention.text);

describe('extract_entities', () => {
  it('finds the people, organizations and places of a corpus article', async () => {
    const { entities } = await run(extractEntities, { text: null, documentId: 'grid-scale-battery-storage', entity_types: null });

    expect(entities.person).toContainEqual({ text: 'Priya Ramanathan', count: 2 });
    expect(texts(entities.organization)).toEqual(expect.arrayContaining(['Bellwether Energy Analytics', 'Hornsdale Power Reserve']));
    expect(texts(entities.place)).toEqual(expect.arrayContaining(['Rotterdam', 'South Australia', 'United Kingdom']));
    expect(entities.place?.[0]).toEqual({ text: 'China', count: 3 });
  });

  it('finds dates and quantities with their units', async () => {
    const { entities } = await run(extractEntities, { text: null, documentId: 'grid-scale-battery-storage', entity_types: ['date', 'number'] });

    expect(Object.keys(entities).sort()).toEqual(['date', 'number']);
    expect(texts(entities.date)).toEqual(expect.arrayContaining(['December 2017', 'late 2023', '2030']));
    expect(texts(entities.number)).toEqual(expect.arrayContaining(['42 GW', '80%', '$245 per kWh', '129 MWh']));
    expect(texts(entities.number)).not.toContain('2017');
  });

  it('reports technologies under their canonical names with counts, most frequent first', () => {
    const { entities } = extractEntitiesFromText(
      'Most sites use LFP cells. Lithium iron phosphate beats NMC on safety, while vanadium flow batteries and pumped hydro cover long durations. LFP again.',
      ['technology'],
    );

    expect(entities.technology).toEqual([
      { text: 'lithium-iron-phosphate', count: 3 },
      { text: 'nickel-manganese-cobalt', count: 1 },
      { text: 'vanadium flow battery', count: 1 },
      { text: 'pumped hydro', count: 1 },
    ]);
  });

  it('recognizes people from context cues and money, percentages and dates in plain text', () => {
    const { entities } = extractEntitiesFromText(
      'Tomasz Wierzbicki, a platform engineer at Harbor Analytics, said the pilot cost $120 million. ' +
        'Costs fell 35% between March 3, 2021 and 2023-06-30, Wierzbicki added.',
    );

    expect(entities.person).toEqual([{ text: 'Tomasz Wierzbicki', count: 2 }]);
    expect(texts(entities.organization)).toContain('Harbor Analytics');
    expect(texts(entities.number)).toEqual(['$120 million', '35%']);
    expect(texts(entities.date)).toEqual(['March 3, 2021', '2023-06-30']);
  });

  it('recognizes a person named at the start of a sentence before their organization', () => {
    const { entities } = extractEntitiesFromText('Priya Ramanathan of Bellwether Energy Analytics expects 400 GW by 2030.', ['person', 'organization']);

    expect(entities).toEqual({
      person: [{ text: 'Priya Ramanathan', count: 1 }],
      organization: [{ text: 'Bellwether Energy Analytics', count: 1 }],
    });
  });

  it('rejects an entity type it does not support, listing the supported ones', () => {
    expect(() => extractEntities.parse({ text: 'x', documentId: null, entity_types: ['animal'] })).toThrow(
      /entity_types.*person.*organization.*place.*date.*number.*technology/s,
    );
  });
});
