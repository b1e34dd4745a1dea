import { ToolExecutionError } from './framework';

/** The corpus folder a tool needs does not exist or holds no usable files. */
export class CorpusNotFoundError extends ToolExecutionError {
  readonly corpusDir: string;
  constructor(toolName: string, corpusDir: string, problem: string) {
    super(toolName, `Corpus folder ${corpusDir} ${problem}. Point STEPWISE_CORPUS_DIR (or the tools' context corpusDir) at a folder of .md/.txt documents.`);
    this.corpusDir = corpusDir;
  }
}

/** A document or dataset id that the corpus does not hold; carries the closest ids. */
export class DocumentNotFoundError extends ToolExecutionError {
  readonly documentId: string;
  readonly suggestions: readonly string[];
  constructor(toolName: string, documentId: string, suggestions: readonly string[], kind: 'document' | 'dataset' = 'document') {
    const hint = suggestions.length > 0 ? ` Closest ${kind} ids: ${suggestions.join(', ')}.` : '';
    const searchHint = kind === 'document' ? ' Use search_documents to find ids.' : '';
    super(toolName, `No ${kind} with id "${documentId}" in the corpus.${hint}${searchHint}`);
    this.documentId = documentId;
    this.suggestions = suggestions;
  }
}
