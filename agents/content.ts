import { OFFLINE_LABEL, defineAgent, offlinePlanner, type OfflinePlan, type PlanContext } from 'stepwise-agents';
import { extractEntities, getDocument, publishReport, searchDocuments, summarizeDocument } from 'stepwise-agents/tools';
import { called, forDocument, mergedEntities, publicationOutcome, searchHits, succeeded } from './plan-helpers';

const SOURCES = 3;
const BRIEF_LIMIT = 1_800;

/** Drafts a brief from the summaries, edits it to the length limit, and formats it as Markdown. */
export function composeBrief(context: PlanContext): { title: string; body: string } {
  const hits = searchHits(context).slice(0, SOURCES);
  const draft = hits.map((hit) => ({
    hit,
    summary: (forDocument(context, 'summarize_document', hit.id)?.result as { summary?: string } | undefined)?.summary ?? hit.snippet,
  }));
  // Edit: keep whole sections while they fit, so the brief is never cut mid-sentence.
  const sections: string[] = [];
  let length = 0;
  for (const { hit, summary } of draft) {
    const section = `### ${hit.title}\n${summary.trim()} _(source: ${hit.id})_`;
    if (length + section.length > BRIEF_LIMIT && sections.length > 0) break;
    sections.push(section);
    length += section.length;
  }
  const names = mergedEntities(succeeded(context, 'extract_entities'), 'organization', 5);
  const body = [
    `_A brief drafted by the Stepwise ${OFFLINE_LABEL}._`,
    '',
    `**In short:** ${draft[0]?.summary.split(/(?<=[.!?])\s/)[0] ?? context.task}`,
    '',
    ...sections.flatMap((section) => [section, '']),
    ...(names.length ? [`**Organizations to watch:** ${names.join(', ')}`, ''] : []),
    `**Sources:** ${hits.map((hit) => hit.id).join(', ')}`,
  ].join('\n');
  return { title: `Brief: ${context.task}`, body };
}

/** Find sources, summarize them, draft/edit/format a brief, then propose publishing it. */
export const contentPlan: OfflinePlan = (context) => {
  if (!called(context, 'search_documents')) {
    return { thought: 'I will find sources for the brief.', calls: [{ tool: 'search_documents', args: { query: context.task, limit: SOURCES + 1 } }] };
  }
  const hits = searchHits(context).slice(0, SOURCES);
  if (hits.length === 0) return { thought: 'No sources found.', answer: `(${OFFLINE_LABEL}) No sources in the corpus cover "${context.task}", so I wrote no brief.` };
  if (!called(context, 'summarize_document')) {
    return {
      thought: 'I will summarize each source and note the organizations it names.',
      calls: hits.flatMap((hit) => [
        { tool: 'summarize_document', args: { text: null, documentId: hit.id, max_length: 500 } },
        { tool: 'extract_entities', args: { text: null, documentId: hit.id, entity_types: ['organization'] } },
      ]),
    };
  }
  const brief = composeBrief(context);
  if (!called(context, 'publish_report')) {
    return { thought: 'The brief is drafted, edited to length and formatted. I propose publishing it.', calls: [{ tool: 'publish_report', args: brief }] };
  }
  return { thought: 'Done.', answer: [`# ${brief.title}`, '', brief.body, '', `**Publication:** ${publicationOutcome(context)}`].join('\n') };
};

/** Drafts, edits and formats a brief from sources, then publishes it. */
export const content = defineAgent({
  name: 'content',
  description: 'Drafts, edits and formats a short brief from sources in the corpus, then publishes it',
  instructions: [
    'You are an editor. Write a brief on the user\'s topic from the corpus.',
    'Find 3 good sources, summarize them, then draft a brief of at most 300 words in Markdown:',
    'a one-sentence summary, one short section per source with its document id, and a sources line.',
    'Edit the draft for clarity and length, then publish it with publish_report (a human approves it).',
  ].join('\n'),
  tools: [searchDocuments, getDocument, summarizeDocument, extractEntities, publishReport],
  maxIterations: 10,
  // Scripted without a language model; `stepwise run --model` or the execution input's `options.model` wins over it.
  model: offlinePlanner(contentPlan),
});
