import MiniSearch from 'minisearch';
import { corpusCache, requireDocuments, type Corpus, type CorpusDocument } from '../shared/corpus';
import { defineTool } from '../shared/framework';
import type { BundledToolContext } from '../workspace';
import { splitSentences } from '../shared/sentences';
import { normalizeTerm, words } from '../shared/terms';
import { SearchLimits, searchDocumentsParameters, type SearchDocumentsResult, type SearchHit } from './schema';

const TOOL_NAME = 'search_documents';
const SNIPPET_CHARS = 240;

interface IndexedCorpus {
  readonly index: MiniSearch<CorpusDocument>;
  readonly documents: ReadonlyMap<string, CorpusDocument>;
}

/** One index per loaded corpus: a corpus object is replaced when its files change, and so is its index. */
const indexes = new WeakMap<Corpus, IndexedCorpus>();

/**
 * Builds a BM25+ index (minisearch) over titles and bodies, with stop words removed and
 * Porter-stemmed terms on both the index and the query side.
 *
 * @example
 * const indexed = buildIndex(corpus.documents);
 */
export function buildIndex(documents: readonly CorpusDocument[]): IndexedCorpus {
  const index = new MiniSearch<CorpusDocument>({
    fields: ['title', 'text'],
    storeFields: [],
    processTerm: (term) => normalizeTerm(term) ?? null,
    searchOptions: {
      boost: { title: 2 },
      combineWith: 'OR',
      // Short words match exactly; longer ones also match as prefixes and with a typo or two.
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
    },
  });
  index.addAll(documents as CorpusDocument[]);
  return { index, documents: new Map(documents.map((document) => [document.id, document])) };
}

/**
 * Ranks documents for a query and cuts a snippet around each one's best sentence.
 *
 * @example
 * searchIndex(buildIndex(docs), 'vanadium flow battery', 5).results[0].id;
 */
export function searchIndex(indexed: IndexedCorpus, query: string, limit: number): SearchDocumentsResult {
  const matches = indexed.index.search(query);
  const queryTerms = new Set(words(query).map(normalizeTerm).filter((term): term is string => term !== null));
  const results: SearchHit[] = matches.slice(0, limit).map((match) => {
    const document = indexed.documents.get(String(match.id)) as CorpusDocument;
    // match.terms are index terms (already stemmed), e.g. the prefix/fuzzy expansions of the query.
    const matchedTerms = new Set([...queryTerms, ...match.terms]);
    return { id: document.id, title: document.title, score: Math.round(match.score * 1000) / 1000, snippet: snippet(document, matchedTerms) };
  });
  return { query, total: matches.length, results };
}

function snippet(document: CorpusDocument, terms: ReadonlySet<string>): string {
  const sentences = splitSentences(document.text);
  let best = sentences[0] ?? '';
  let bestScore = -1;
  for (const sentence of sentences) {
    const sentenceTerms = words(sentence).map(normalizeTerm);
    const distinct = new Set(sentenceTerms.filter((term): term is string => term !== null && matchesAny(term, terms)));
    const score = distinct.size + distinct.size / Math.max(sentenceTerms.length, 1);
    if (score > bestScore) {
      best = sentence;
      bestScore = score;
    }
  }
  return shorten(best, terms);
}

function matchesAny(term: string, terms: ReadonlySet<string>): boolean {
  if (terms.has(term)) return true;
  for (const wanted of terms) if (wanted.length >= 4 && term.startsWith(wanted)) return true;
  return false;
}

function shorten(sentence: string, terms: ReadonlySet<string>): string {
  if (sentence.length <= SNIPPET_CHARS) return sentence;
  const lower = sentence.toLowerCase();
  let first = sentence.length;
  for (const term of terms) {
    const at = lower.indexOf(term.slice(0, 5));
    if (at >= 0 && at < first) first = at;
  }
  let start = Math.max(0, Math.min(first - 60, sentence.length - SNIPPET_CHARS));
  if (start > 0) start = sentence.indexOf(' ', start) + 1;
  let end = Math.min(sentence.length, start + SNIPPET_CHARS);
  if (end < sentence.length) end = sentence.lastIndexOf(' ', end);
  return `${start > 0 ? '…' : ''}${sentence.slice(start, end).trim()}${end < sentence.length ? '…' : ''}`;
}

/** Full-text search over the corpus (`.md`/`.txt`), ranked by BM25+. */
export const searchDocuments = defineTool({
  name: TOOL_NAME,
  description:
    'Searches the document corpus and returns the best-matching documents (id, title, relevance score, snippet), best first. ' +
    'Use the ids with get_document, summarize_document, extract_entities or classify_content.',
  parameters: searchDocumentsParameters,
  // Read-only: running a call again after a crash is harmless, so it skips the durable "started" mark.
  sideEffects: false,
  execute: ({ query, limit }, context: BundledToolContext): SearchDocumentsResult => {
    const corpus = corpusCache.load(TOOL_NAME, context.context.corpusDir);
    let indexed = indexes.get(corpus);
    if (!indexed) {
      indexed = buildIndex(requireDocuments(TOOL_NAME, corpus));
      indexes.set(corpus, indexed);
    }
    return searchIndex(indexed, query, limit ?? SearchLimits.defaultLimit);
  },
});
