import { defineAgent, defineConfig, type OfflinePlan } from 'stepwise-agents';
import { countWords } from './tools/count_words/tool';

/**
 * With no model configured, the agent follows this plan instead of asking a language model: it is
 * deterministic and says so in its answer. Run with `--model openai:gpt-4.1-mini` (and
 * OPENAI_API_KEY set) or `--model bedrock:<model id>` to let a model decide instead.
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
  offlinePlan: plan,
});

export default defineConfig({ agents: [assistant] });
