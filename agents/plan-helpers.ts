import type { PlanContext, PlanObservation } from 'stepwise-agents';

/** A search hit as `search_documents` returns it. */
export interface SearchHit {
  readonly id: string;
  readonly title: string;
  readonly score: number;
  readonly snippet: string;
}

/** Observations of one tool, successful ones only. */
export function succeeded(context: PlanContext, tool: string): PlanObservation[] {
  return context.observations.filter((observation) => observation.tool === tool && observation.ok && typeof observation.result === 'object');
}

/** Whether the plan has already called `tool` (successfully or not). */
export function called(context: PlanContext, tool: string): boolean {
  return context.observations.some((observation) => observation.tool === tool);
}

/** The hits of the first successful search. */
export function searchHits(context: PlanContext): SearchHit[] {
  const [search] = succeeded(context, 'search_documents');
  return ((search?.result as { results?: SearchHit[] } | undefined)?.results ?? []).slice();
}

/** The observation of a call to `tool` whose `documentId` argument is `id`. */
export function forDocument(context: PlanContext, tool: string, id: string): PlanObservation | undefined {
  return succeeded(context, tool).find((observation) => observation.args.documentId === id || observation.args.id === id);
}

/** Entity names of one type across several extract_entities results, most frequent first. */
export function mergedEntities(results: readonly PlanObservation[], type: string, limit = 8): string[] {
  const counts = new Map<string, number>();
  for (const observation of results) {
    const entities = (observation.result as { entities?: Record<string, { text: string; count: number }[]> }).entities ?? {};
    for (const entity of entities[type] ?? []) counts.set(entity.text, (counts.get(entity.text) ?? 0) + entity.count);
  }
  // Ties in code-unit order: the same on every machine, and no ICU collator (about 3 MiB of a container's memory).
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, limit).map(([text]) => text);
}

/** What happened to the publish_report call, in words for the final answer. */
export function publicationOutcome(context: PlanContext): string {
  const publish = context.observations.find((observation) => observation.tool === 'publish_report');
  if (!publish) return 'The report was not published.';
  if (publish.ok && typeof publish.result === 'object' && publish.result !== null) {
    const result = publish.result as { location?: string; deduplicated?: boolean };
    return `The report was published to ${result.location}${result.deduplicated ? ' (it had already been published; not written twice)' : ''}.`;
  }
  return `The report was not published: ${publish.text}`;
}

/**
 * A number as en-US text with at most two decimals, e.g. `1,234.57` (rounded as `toFixed` rounds:
 * 1.005 gives `1`, where Intl gives `1.01`).
 * Written out rather than `toLocaleString`: ICU's number formatting costs a container about 6 MiB.
 *
 * @example
 * formatNumber(1234.567); // '1,234.57'
 */
export function formatNumber(value: number): string {
  const [whole, fraction] = Math.abs(value).toFixed(2).split('.');
  const decimals = fraction.replace(/0+$/, '');
  const text = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${decimals ? `.${decimals}` : ''}`;
  return value < 0 && text !== '0' ? `-${text}` : text;
}
