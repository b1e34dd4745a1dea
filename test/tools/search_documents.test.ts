import { writeFileSync } from 'node:fs';
import { ToolArgumentsError } from '../../framework/errors';
import { CorpusNotFoundError } from '../../tools/shared/errors';
import { searchDocuments } from '../../tools/search_documents/tool';
import { folderWith, run, toolContext } from './tool-context';

const fixtures = folderWith({
  'tides.md': '# Tidal Power\nTopic: energy\n\nTidal barrages turn the rise and fall of the sea into electricity. The Rance barrage has run since 1966.',
  'bread.txt': 'Sourdough bread rises slowly because wild yeast ferments the dough overnight.',
  'storage.md': '# Notes\n\nHomes with rooftop solar often add a battery. Batteries store midday power for the evening.',
  'notes/ignored.json': '{"not": "a document"}',
});

describe('search_documents', () => {
  it('ranks the document about the query first and explains the match with a snippet', async () => {
    const result = await run(searchDocuments, { query: 'tidal electricity', limit: null }, toolContext({ corpusDir: fixtures }));

    expect(result.results[0]).toMatchObject({ id: 'tides', title: 'Tidal Power' });
    expect(result.results[0].snippet).toContain('Tidal barrages turn the rise and fall of the sea into electricity.');
    expect(result.total).toBe(1);
  });

  it('matches other forms of a word and tolerates a typo in a longer word', async () => {
    const plural = await run(searchDocuments, { query: 'battery', limit: null }, toolContext({ corpusDir: fixtures }));
    const typo = await run(searchDocuments, { query: 'sourdogh', limit: null }, toolContext({ corpusDir: fixtures }));

    expect(plural.results.map((hit) => hit.id)).toEqual(['storage']);
    expect(typo.results.map((hit) => hit.id)).toEqual(['bread']);
  });

  it('ignores stop words, so a query of only stop words finds nothing', async () => {
    const result = await run(searchDocuments, { query: 'the and of', limit: null }, toolContext({ corpusDir: fixtures }));

    expect(result).toEqual({ query: 'the and of', total: 0, results: [] });
  });

  it('ranks the vanadium flow battery article first in the bundled corpus', async () => {
    const result = await run(searchDocuments, { query: 'vanadium flow battery', limit: 3 });

    expect(result.results).toHaveLength(3);
    expect(result.results[0].id).toBe('vanadium-flow-batteries-long-duration');
    expect(result.results[0].snippet.toLowerCase()).toContain('vanadium');
    expect(result.results[0].score).toBeGreaterThan(result.results[1].score);
  });

  it('finds the serverless orchestration article for a question about Step Functions', async () => {
    const result = await run(searchDocuments, { query: 'Step Functions state machine for agents', limit: 5 });

    expect(result.results.slice(0, 2).map((hit) => hit.id)).toContain('serverless-agent-orchestration-step-functions');
  });

  it('returns at most the default of five results when limit is null', async () => {
    const result = await run(searchDocuments, { query: 'grid', limit: null });

    expect(result.total).toBeGreaterThan(5);
    expect(result.results).toHaveLength(5);
  });

  it('sees a document added to the folder after the first search', async () => {
    const dir = folderWith({ 'a.md': '# Alpha\n\nAlpacas graze on high plateaus.' });
    await run(searchDocuments, { query: 'alpacas', limit: null }, toolContext({ corpusDir: dir }));
    writeFileSync(`${dir}/b.md`, '# Beta\n\nBeavers build dams on rivers.');

    const result = await run(searchDocuments, { query: 'beavers', limit: null }, toolContext({ corpusDir: dir }));

    expect(result.results.map((hit) => hit.id)).toEqual(['b']);
  });

  it('names the folder when the corpus is missing or holds no documents', async () => {
    const missing = run(searchDocuments, { query: 'x', limit: null }, toolContext({ corpusDir: '/nonexistent/corpus' }));
    const empty = run(searchDocuments, { query: 'x', limit: null }, toolContext({ corpusDir: folderWith({ 'data.csv': 'a\n1' }) }));

    await expect(missing).rejects.toThrow(CorpusNotFoundError);
    await expect(missing).rejects.toThrow('/nonexistent/corpus');
    await expect(empty).rejects.toThrow(/holds no \.md or \.txt documents/);
  });

  it('rejects a limit above 20, naming the field', () => {
    expect(() => searchDocuments.parse({ query: 'x', limit: 50 })).toThrow(ToolArgumentsError);
    expect(() => searchDocuments.parse({ query: 'x', limit: 50 })).toThrow(/limit/);
  });
});
