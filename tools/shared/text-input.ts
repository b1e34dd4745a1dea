import { corpusCache, findDocument, type CorpusDocument } from './corpus';
import { ToolArgumentsError } from './framework';
import type { BundledToolsContext } from '../workspace';

/** The text a tool works on, and the document it came from when it came from the corpus. */
export interface ResolvedText {
  readonly text: string;
  readonly document?: CorpusDocument;
}

/**
 * Resolves the `text | documentId` pair the text tools take: exactly one must be given (non-null).
 * A `documentId` is looked up in the corpus.
 *
 * @example
 * const { text } = resolveTextInput('summarize_document', { text: null, documentId: 'grid-storage' }, context.context);
 */
export function resolveTextInput(
  toolName: string,
  input: { readonly text: string | null; readonly documentId: string | null },
  workspace: BundledToolsContext,
  fields: { readonly text: string; readonly documentId: string } = { text: 'text', documentId: 'documentId' },
): ResolvedText {
  const hasText = input.text !== null && input.text.trim() !== '';
  const hasId = input.documentId !== null && input.documentId.trim() !== '';
  if (hasText === hasId) {
    const problem = hasText ? 'give only one of the two; set the other to null' : 'give one of the two (the other null)';
    throw new ToolArgumentsError(toolName, [
      { field: fields.text, message: `exactly one of "${fields.text}" or "${fields.documentId}" must be non-empty: ${problem}` },
      { field: fields.documentId, message: `exactly one of "${fields.text}" or "${fields.documentId}" must be non-empty: ${problem}` },
    ]);
  }
  if (hasText) return { text: input.text as string };
  const document = findDocument(toolName, corpusCache.load(toolName, workspace.corpusDir), (input.documentId as string).trim());
  return { text: document.text, document };
}
