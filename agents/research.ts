import { OFFLINE_LABEL, defineAgent, offlinePlanner, type OfflinePlan, type PlanContext } from 'stepwise-agents';
import { classifyContent, extractEntities, getDocument, publishReport, searchDocuments, summarizeDocument } from 'stepwise-agents/tools';
import { called, forDocument, mergedEntities, publicationOutcome, searchHits, succeeded } from './plan-helpers';

const CATEGORIES = ['energy', 'technology', 'transport', 'health', 'environment', 'policy', 'finance'];
const DOCUMENTS_TO_READ = 3;

/** The report the research agent proposes to publish, built only from what its tools returned. */
export function composeReport(context: PlanContext): { title: string; body: string } {
  const hits = searchHits(context).slice(0, DOCUMENTS_TO_READ);
  const findings = hits.map((hit) => {
    const summary = (forDocument(context, 'summarize_document', hit.id)?.result as { summary?: string } | undefined)?.summary ?? hit.snippet;
    const document = forDocument(context, 'get_document', hit.id)?.result as { published?: string } | undefined;
    return `- **${hit.title}** [${hit.id}${document?.published ? `, ${document.published}` : ''}]: ${summary}`;
  });
  const entityResults = succeeded(context, 'extract_entities');
  const entityLines = [
    ['People', 'person'],
    ['Organizations', 'organization'],
    ['Places', 'place'],
    ['Dates', 'date'],
    ['Figures', 'number'],
    ['Technologies', 'technology'],
  ]
    .map(([label, type]) => [label, mergedEntities(entityResults, type)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `- ${label}: ${names.join(', ')}`);
  const [classification] = succeeded(context, 'classify_content');
  const ranked = ((classification?.result as { ranked?: { category: string; score: number }[] } | undefined)?.ranked ?? []).slice(0, 3);
  const body = [
    `_Prepared by the Stepwise ${OFFLINE_LABEL} from ${hits.length} documents of the corpus._`,
    '',
    '## Key findings',
    ...findings,
    ...(entityLines.length ? ['', '## Who, where and how much', ...entityLines] : []),
    ...(ranked.length ? ['', '## Themes', ranked.map((item) => `${item.category} (${(item.score * 100).toFixed(0)}%)`).join(', ')] : []),
    '',
    '## Sources',
    ...hits.map((hit, index) => `${index + 1}. ${hit.title} [${hit.id}] (relevance ${hit.score.toFixed(2)})`),
  ].join('\n');
  return { title: `Research report: ${context.task}`, body };
}

/**
 * Search, read the top documents, extract entities, summarize, classify, propose publishing
 * (which needs a human's approval), then answer from what was observed.
 */
export const researchPlan: OfflinePlan = (context) => {
  if (!called(context, 'search_documents')) {
    return { thought: `I will search the corpus for "${context.task}".`, calls: [{ tool: 'search_documents', args: { query: context.task, limit: 5 } }] };
  }
  const hits = searchHits(context).slice(0, DOCUMENTS_TO_READ);
  if (hits.length === 0) {
    return { thought: 'The search found nothing relevant.', answer: `(${OFFLINE_LABEL}) I found no documents in the corpus about "${context.task}". Try other words, or point --corpus at a folder that covers the topic.` };
  }
  if (!called(context, 'get_document')) {
    return { thought: `The top ${hits.length} results look relevant; I will read them.`, calls: hits.map((hit) => ({ tool: 'get_document', args: { id: hit.id } })) };
  }
  if (!called(context, 'summarize_document')) {
    return {
      thought: 'I will summarize each document and extract the people, organizations, places, dates and figures it mentions.',
      calls: hits.flatMap((hit) => [
        { tool: 'summarize_document', args: { text: null, documentId: hit.id, max_length: 450 } },
        { tool: 'extract_entities', args: { text: null, documentId: hit.id, entity_types: null } },
      ]),
    };
  }
  if (!called(context, 'classify_content')) {
    const summaries = succeeded(context, 'summarize_document').map((item) => (item.result as { summary: string }).summary).join(' ');
    return { thought: 'I will classify the findings to name the main themes.', calls: [{ tool: 'classify_content', args: { text: summaries || context.task, documentId: null, categories: CATEGORIES } }] };
  }
  const report = composeReport(context);
  if (!called(context, 'publish_report')) {
    return { thought: 'The report is ready. Publishing is a side effect, so I propose it for approval.', calls: [{ tool: 'publish_report', args: report }] };
  }
  return {
    thought: 'I have everything I need; composing the final answer from what I observed.',
    answer: [`# ${report.title}`, '', report.body, '', `**Publication:** ${publicationOutcome(context)}`].join('\n'),
  };
};

/** Researches a topic across the corpus and reports findings with sources. */
export const research = defineAgent({
  name: 'research',
  description: 'Researches a topic across a document corpus and writes a report with findings and sources',
  instructions: [
    'You are a careful research analyst. Research the user\'s topic using the document corpus.',
    'Search first, then read the most relevant documents (call get_document for several at once).',
    'Summarize them, extract the key people, organizations, places, dates and figures, and classify the themes.',
    'Write a report with key findings, each attributed to its source document id, and then publish it with publish_report.',
    'Publishing needs a human\'s approval; if it is rejected, do not retry it unchanged.',
    'Finally answer with the report and whether it was published.',
  ].join('\n'),
  tools: [searchDocuments, getDocument, summarizeDocument, extractEntities, classifyContent, publishReport],
  maxIterations: 12,
  // Scripted without a language model; `stepwise run --model` or the execution input's `options.model` wins over it.
  model: offlinePlanner(researchPlan),
});
