import { classify, classifyContent } from '../../tools/classify_content/tool';
import { run } from './tool-context';

describe('classify_content', () => {
  it('ranks energy above health for the grid battery article', async () => {
    const result = await run(classifyContent, { text: null, documentId: 'grid-scale-battery-storage', categories: ['health', 'energy', 'transport'] });

    expect(result.top).toBe('energy');
    expect(result.ranked.map((entry) => entry.category)).toEqual(['energy', expect.any(String), expect.any(String)]);
    expect(result.ranked[0].evidence).toEqual(expect.arrayContaining(['batteri']));
  });

  it('tells technology articles from transport and health articles', async () => {
    const categories = ['technology', 'transport', 'health'];

    const serverless = await run(classifyContent, { text: null, documentId: 'serverless-agent-orchestration-step-functions', categories });
    const buses = await run(classifyContent, { text: null, documentId: 'electric-bus-fleet-transition', categories });
    const heat = await run(classifyContent, { text: null, documentId: 'heat-wave-health-impacts', categories });

    expect([serverless.top, buses.top, heat.top]).toEqual(['technology', 'transport', 'health']);
  });

  it('returns scores that sum to 1, best first', () => {
    const result = classify('Hospitals treat patients; nurses and doctors give care.', ['finance', 'health', 'energy']);

    expect(result.ranked.reduce((sum, entry) => sum + entry.score, 0)).toBeCloseTo(1, 3);
    expect(result.ranked[0]).toMatchObject({ category: 'health', score: 1 });
  });

  it('uses the words of a category it has no lexicon for', () => {
    const result = classify('The sourdough starter needs flour and water; bake the sourdough loaf hot.', ['sourdough baking', 'finance']);

    expect(result.top).toBe('sourdough baking');
    expect(result.ranked[0].evidence).toEqual(expect.arrayContaining(['sourdough']));
  });

  it('scores every category equally when the text shares no words with any of them', () => {
    const result = classify('Lorem ipsum dolor sit amet.', ['energy', 'health']);

    expect(result.ranked.map((entry) => entry.score)).toEqual([0.5, 0.5]);
    expect(result.top).toBe('energy');
  });

  it('needs at least two categories', () => {
    expect(() => classifyContent.parse({ text: 'x', documentId: null, categories: ['energy'] })).toThrow(/categories/);
  });
});
