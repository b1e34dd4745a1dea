import { corpusCache, type Corpus } from '../shared/corpus';
import { defineTool } from '../shared/framework';
import type { BundledToolContext, BundledToolsContext } from '../workspace';
import { contentTerms, words } from '../shared/terms';
import { resolveTextInput } from '../shared/text-input';
import { CATEGORY_SEEDS } from './lexicon';
import { classifyContentParameters, type CategoryScore, type ClassifyContentResult } from './schema';

const TOOL_NAME = 'classify_content';
/** A category's own words are stronger evidence than its seed vocabulary. */
const OWN_WORD_WEIGHT = 2;
const SEED_WORD_WEIGHT = 1;
const EVIDENCE_TERMS = 5;

/** How many documents of the background collection contain each term; sets the IDF weights. */
export interface DocumentFrequencies {
  readonly documents: number;
  readonly counts: ReadonlyMap<string, number>;
}

/**
 * Scores each category by the TF-IDF-weighted overlap between the text's terms and the
 * category's vocabulary (its own words, stemmed, plus a seed lexicon for common categories), then
 * normalizes the scores to sum to 1. With no overlap at all, every category gets the same score.
 *
 * @example
 * classify('The battery stores 4 MWh for the grid.', ['energy', 'health']).top; // 'energy'
 */
export function classify(text: string, categories: readonly string[], background?: DocumentFrequencies): ClassifyContentResult {
  const termCounts = new Map<string, number>();
  for (const term of contentTerms(text)) termCounts.set(term, (termCounts.get(term) ?? 0) + 1);
  const documents = (background?.documents ?? 0) + 1;
  const idf = (term: string): number => Math.log((documents + 1) / ((background?.counts.get(term) ?? 0) + 1 + 1)) + 1;
  const raw = categories.map((category) => {
    const contributions: { term: string; value: number }[] = [];
    for (const [term, weight] of categoryVocabulary(category)) {
      const frequency = termCounts.get(term);
      if (frequency) contributions.push({ term, value: weight * (1 + Math.log(frequency)) * idf(term) });
    }
    contributions.sort((left, right) => right.value - left.value);
    return { category, value: contributions.reduce((sum, entry) => sum + entry.value, 0), evidence: contributions.slice(0, EVIDENCE_TERMS).map((entry) => entry.term) };
  });
  const total = raw.reduce((sum, entry) => sum + entry.value, 0);
  const ranked: CategoryScore[] = raw
    .map((entry, position) => ({ position, category: entry.category, score: total > 0 ? entry.value / total : 1 / raw.length, evidence: entry.evidence }))
    .sort((left, right) => right.score - left.score || left.position - right.position)
    .map(({ category, score, evidence }) => ({ category, score: Math.round(score * 10_000) / 10_000, evidence }));
  return { ranked, top: ranked[0].category };
}

/** Stemmed term → weight for one category label. */
export function categoryVocabulary(category: string): Map<string, number> {
  const vocabulary = new Map<string, number>();
  const label = category.toLowerCase().trim();
  const labelWords = new Set(words(label));
  for (const seed of CATEGORY_SEEDS) {
    if (!seed.names.some((name) => name === label || labelWords.has(name))) continue;
    for (const term of contentTerms(seed.words)) vocabulary.set(term, Math.max(vocabulary.get(term) ?? 0, SEED_WORD_WEIGHT));
  }
  for (const term of contentTerms(label)) vocabulary.set(term, OWN_WORD_WEIGHT);
  return vocabulary;
}

/** Document frequencies over a corpus, computed once per loaded corpus. */
const backgrounds = new WeakMap<Corpus, DocumentFrequencies>();

function corpusBackground(workspace: BundledToolsContext): DocumentFrequencies | undefined {
  let corpus: Corpus;
  try {
    corpus = corpusCache.load(TOOL_NAME, workspace.corpusDir);
  } catch {
    // Classification works without a corpus; the IDF weights are then flat.
    return undefined;
  }
  let background = backgrounds.get(corpus);
  if (!background) {
    const counts = new Map<string, number>();
    for (const document of corpus.documents) for (const term of new Set(contentTerms(document.text))) counts.set(term, (counts.get(term) ?? 0) + 1);
    background = { documents: corpus.documents.length, counts };
    backgrounds.set(corpus, background);
  }
  return background;
}

/** Ranks candidate categories for a text, offline and explainably. */
export const classifyContent = defineTool({
  name: TOOL_NAME,
  description:
    'Classifies a text or a corpus document (give exactly one of text or documentId) into the given categories. Returns every category ' +
    'with a score (scores sum to 1) and the words that supported it, best first, plus the top category.',
  parameters: classifyContentParameters,
  // Read-only: running a call again after a crash is harmless, so it skips the durable "started" mark.
  sideEffects: false,
  execute: (args, context: BundledToolContext): ClassifyContentResult => {
    const { text } = resolveTextInput(TOOL_NAME, args, context.context);
    return classify(text, args.categories, corpusBackground(context.context));
  },
});
