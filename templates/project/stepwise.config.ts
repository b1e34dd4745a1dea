import { defineAgent, defineConfig, offlinePlanner, type OfflinePlan } from 'stepwise-agents';
import { countWords } from './tools/count_words/tool';

/**
 * Until you give the agent a language model, it follows this plan instead (its model is
 * `offlinePlanner(plan)`): deterministic, and its answer says so. A model named for a run wins over
 * it: `--model openai:gpt-4.1-mini` (with OPENAI_API_KEY set) or `--model bedrock:<model id>`. To
 * make a model the agent's own (and the deployed one's), replace `model: offlinePlanner(plan)` with
 * `model: 'openai:gpt-4.1-mini'`, or remove it and name one in defineConfig({ model }).
 */
const plan: OfflinePlan = ({ task, observations }) => {
  const counted = observations.find((observation) => observation.tool === 'count_words' && observation.ok);
  if (counted === undefined) return { thought: 'Count the words of the task.', calls: [{ tool: 'count_words', args: { text: task } }] };
  const { words } = counted.result as { words: number };
  return { thought: 'I have the count.', answer: `The task has ${words} words.` };
};

export const assistant = defineAgent({
  name: 'assistant',
  description: 'Answers questions about text, using its own tools.',
  instructions: 'Use count_words to count words; never guess a count.',
  tools: [countWords],
  maxIterations: 6,
  model: offlinePlanner(plan),
});

export default defineConfig({ agents: [assistant] });
