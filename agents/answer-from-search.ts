import { OFFLINE_LABEL, type OfflinePlan } from 'stepwise-agents';

/**
 * A plan for an agent that has `search_documents`: search once for the task, then answer with
 * the documents found. Give it as `model: offlinePlanner(answerFromSearch)`.
 *
 * @example
 * const helper = defineAgent({ name: 'helper', description: 'Finds documents', tools: [searchDocuments], model: offlinePlanner(answerFromSearch) });
 */
export const answerFromSearch: OfflinePlan = (context) => {
  const searched = context.observations.find((item) => item.tool === 'search_documents');
  if (!searched && context.tools.includes('search_documents')) {
    return { thought: 'I will search the documents for the task.', calls: [{ tool: 'search_documents', args: { query: context.task, limit: 5 } }] };
  }
  const results = (searched?.result as { results?: { id: string; title: string; snippet: string }[] } | undefined)?.results ?? [];
  const lines = results.map((result) => `- ${result.title} [${result.id}]: ${result.snippet}`);
  return {
    thought: 'I have what the tools could give me; composing the answer.',
    answer: [`Answer from the ${OFFLINE_LABEL}.`, '', lines.length ? 'Relevant documents:' : 'No tool results were available.', ...lines].join('\n'),
  };
};
