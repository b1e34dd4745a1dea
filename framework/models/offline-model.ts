import type { Model, ModelRequest, ModelResponse } from '../model';

/** What the offline model answers: there is no model to think with, and how to name one. */
export const NO_MODEL_ANSWER = [
  'No language model is configured, so this agent answered without thinking (model "offline": no network, no cost).',
  'Name a model to let it work: `stepwise run <agent> "<task>" --model openai:gpt-4.1-mini` (with OPENAI_API_KEY set, or OPENAI_BASE_URL',
  'for a local OpenAI-compatible server) or `--model bedrock:<model id>`; or set `model` in defineAgent or defineConfig, or STEPWISE_MODEL.',
  'For a scripted run without a model, give the agent `model: offlinePlanner(plan)`.',
].join('\n');

/**
 * The model of a run when none is named anywhere (`offline`): it calls no tool and answers at once,
 * saying that no model is configured and how to configure one. It knows nothing of any agent's
 * tools; an agent that should run scripted without a model names `offlinePlanner(plan)` instead.
 *
 * @example
 * const result = await runAgent(agent, 'Hello', { model: offlineModel() });
 * // result.answer starts with 'No language model is configured'
 */
export function offlineModel(): Model {
  return {
    id: 'offline',
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const usage = { inputTokens: 0, outputTokens: 0 };
      const text = request.toolCalling === 'text' ? `Thought: There is no model to think with.\nFinal Answer: ${NO_MODEL_ANSWER}` : NO_MODEL_ANSWER;
      return { text, toolCalls: [], usage, model: 'offline' };
    },
  };
}
