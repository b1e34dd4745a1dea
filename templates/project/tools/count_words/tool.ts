import { z } from 'zod';
import { defineTool } from 'stepwise-agents/lambda';

/**
 * Your own tool. The zod schema is the one source of the JSON Schema the model sees and of the
 * validation of its arguments (in the agent and again in the Lambda function). Import from
 * `stepwise-agents/lambda` so the tool's Lambda bundle stays small.
 */
export const countWords = defineTool({
  name: 'count_words',
  description: 'Counts the words in a text.',
  parameters: z.object({ text: z.string().min(1).describe('The text to count the words of') }),
  execute: ({ text }) => ({ words: text.trim().split(/\s+/).length }),
});
