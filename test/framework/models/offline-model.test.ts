import { NO_MODEL_ANSWER, defineAgent, offlinePlanner, resolveModel, runAgent, type OfflinePlan } from '../../../framework';
import { add } from '../../helpers/test-tools';

const plan: OfflinePlan = ({ observations }) =>
  observations.length === 0 ? { thought: 'add them', calls: [{ tool: 'add', args: { a: 2, b: 3 } }] } : { thought: 'done', answer: `scripted: ${observations[0].text}` };

describe('the offline models', () => {
  it('answers plainly that no model is configured, and how to name one, when no model is named anywhere', async () => {
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add] });

    const native = await runAgent(agent, 'What is 2 + 3?');
    const text = await runAgent(defineAgent({ name: 'calc', description: 'adds', tools: [add], toolCalling: 'text' }), 'What is 2 + 3?');

    for (const result of [native, text]) {
      expect(result.status).toBe('COMPLETED');
      expect(result.status === 'COMPLETED' && result.answer).toBe(NO_MODEL_ANSWER);
      expect(result.model).toBe('offline');
      expect(Object.keys(result.state.ledger)).toEqual([]);
    }
    expect(NO_MODEL_ANSWER).toMatch(/^No language model is configured/);
    expect(NO_MODEL_ANSWER).toContain('--model openai:');
    expect(NO_MODEL_ANSWER).toContain('offlinePlanner(plan)');
  });

  it('knows no tool: resolveModel("offline") is the same generic model for every agent', async () => {
    const model = resolveModel('offline', defineAgent({ name: 'calc', description: 'adds', tools: [add] }));
    const reply = await model.generate({ instructions: '', messages: [{ role: 'user', content: 'search the documents' }], tools: [{ name: 'search_documents', description: 'search', parameters: { type: 'object' } }], toolCalling: 'native' } as never);

    expect(reply.toolCalls).toEqual([]);
    expect(reply.text).toBe(NO_MODEL_ANSWER);
  });

  it('runs an agent scripted with model: offlinePlanner(plan), over the real tool results', async () => {
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model: offlinePlanner(plan) });

    const result = await runAgent(agent, 'What is 2 + 3?');

    expect(result.status === 'COMPLETED' && result.answer).toBe('scripted: {"sum":5}');
  });

  it('lets a model named for the run win over the agent\'s scripted one', async () => {
    const agent = defineAgent({ name: 'calc', description: 'adds', tools: [add], model: offlinePlanner(plan) });

    const result = await runAgent(agent, 'What is 2 + 3?', { model: 'offline' });

    expect(result.status === 'COMPLETED' && result.answer).toBe(NO_MODEL_ANSWER);
  });

  it('refuses offlinePlanner without a plan', () => {
    expect(() => (offlinePlanner as (plan?: OfflinePlan) => unknown)()).toThrow(/offlinePlanner needs a plan/);
  });
});
