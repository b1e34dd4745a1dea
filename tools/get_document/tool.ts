import { corpusCache, findDocument } from '../shared/corpus';
import { defineTool } from '../shared/framework';
import type { BundledToolContext } from '../workspace';
import { words } from '../shared/terms';
import { getDocumentParameters, type GetDocumentResult } from './schema';

const TOOL_NAME = 'get_document';

/** Reads one document of the corpus by id. */
export const getDocument = defineTool({
  name: TOOL_NAME,
  description: 'Returns the full text of one corpus document by id (title, topic, publication date, text, word count).',
  parameters: getDocumentParameters,
  // Read-only: running a call again after a crash is harmless, so it skips the durable "started" mark.
  sideEffects: false,
  execute: ({ id }, context: BundledToolContext): GetDocumentResult => {
    const document = findDocument(TOOL_NAME, corpusCache.load(TOOL_NAME, context.context.corpusDir), id);
    return {
      id: document.id,
      title: document.title,
      ...(document.topic ? { topic: document.topic } : {}),
      ...(document.published ? { published: document.published } : {}),
      text: document.text,
      wordCount: words(document.text).length,
    };
  },
});
