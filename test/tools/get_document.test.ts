import { DocumentNotFoundError } from '../../tools/shared/errors';
import { getDocument } from '../../tools/get_document/tool';
import { folderWith, run, toolContext } from './tool-context';

describe('get_document', () => {
  it('returns the title, metadata and prose of a corpus document', async () => {
    const document = await run(getDocument, { id: 'grid-scale-battery-storage' });

    expect(document).toMatchObject({ id: 'grid-scale-battery-storage', title: 'Grid-Scale Battery Storage Comes of Age', topic: 'Energy storage and the power grid', published: '2024-06-12' });
    expect(document.text.startsWith('Ten years ago a 20 MW battery')).toBe(true);
    expect(document.text).not.toContain('Published:');
    expect(document.wordCount).toBeGreaterThan(400);
  });

  it('titles a plain text file after its name and counts its words', async () => {
    const dir = folderWith({ 'field-notes.txt': 'Three short words.\nAnd four more here.' });

    const document = await run(getDocument, { id: 'field-notes' }, toolContext({ corpusDir: dir }));

    expect(document).toEqual({ id: 'field-notes', title: 'Field notes', text: 'Three short words.\nAnd four more here.', wordCount: 7 });
  });

  it('lists the closest ids when the id is unknown', async () => {
    const error = await run(getDocument, { id: 'vanadium-flow' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DocumentNotFoundError);
    expect((error as DocumentNotFoundError).suggestions[0]).toBe('vanadium-flow-batteries-long-duration');
    expect((error as Error).message).toContain('search_documents');
  });

  it('points to analyze_data when the id is a dataset', async () => {
    await expect(run(getDocument, { id: 'battery-projects' })).rejects.toThrow(/analyze_data/);
  });
});
