import { contentTerms } from '../shared/terms';

const DAMPING = 0.85;
const TOLERANCE = 1e-6;
const MAX_ITERATIONS = 200;

/**
 * TextRank (Mihalcea & Tarau, 2004) over sentences: each sentence is a node, edges are weighted by
 * the TF-IDF cosine similarity of the two sentences, and PageRank is iterated until the scores
 * change by less than 1e-6. Returns one score per sentence, in input order.
 *
 * @example
 * rankSentences(['Batteries store power.', 'Batteries store solar power cheaply.', 'Cats purr.']);
 */
export function rankSentences(sentences: readonly string[]): number[] {
  const count = sentences.length;
  if (count === 0) return [];
  const vectors = tfIdfVectors(sentences.map(contentTerms));
  const weights: number[][] = Array.from({ length: count }, () => new Array<number>(count).fill(0));
  for (let row = 0; row < count; row++) {
    for (let column = row + 1; column < count; column++) {
      const similarity = cosine(vectors[row], vectors[column]);
      weights[row][column] = similarity;
      weights[column][row] = similarity;
    }
  }
  const outgoing = weights.map((row) => row.reduce((sum, weight) => sum + weight, 0));
  let scores = new Array<number>(count).fill(1 / count);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const next = new Array<number>(count).fill((1 - DAMPING) / count);
    // A sentence sharing no terms with any other spreads its rank evenly, so rank mass is kept.
    const danglingMass = scores.reduce((sum, score, index) => (outgoing[index] === 0 ? sum + score : sum), 0);
    for (let target = 0; target < count; target++) {
      let incoming = danglingMass / count;
      for (let source = 0; source < count; source++) {
        if (weights[source][target] > 0) incoming += (weights[source][target] / outgoing[source]) * scores[source];
      }
      next[target] += DAMPING * incoming;
    }
    const change = next.reduce((sum, score, index) => sum + Math.abs(score - scores[index]), 0);
    scores = next;
    if (change < TOLERANCE) break;
  }
  return scores;
}

function tfIdfVectors(termLists: readonly string[][]): Map<string, number>[] {
  const documentFrequency = new Map<string, number>();
  for (const terms of termLists) for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const total = termLists.length;
  return termLists.map((terms) => {
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    const vector = new Map<string, number>();
    for (const [term, frequency] of counts) {
      vector.set(term, (1 + Math.log(frequency)) * Math.log(1 + total / (documentFrequency.get(term) as number)));
    }
    return vector;
  });
}

function cosine(left: ReadonlyMap<string, number>, right: ReadonlyMap<string, number>): number {
  let dot = 0;
  for (const [term, weight] of left) dot += weight * (right.get(term) ?? 0);
  if (dot === 0) return 0;
  const norm = (vector: ReadonlyMap<string, number>): number => Math.sqrt([...vector.values()].reduce((sum, weight) => sum + weight * weight, 0));
  return dot / (norm(left) * norm(right));
}
