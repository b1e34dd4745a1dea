import { chooseModel, type Model, type ModelChoices } from '../../../framework/internal';

describe('chooseModel: flag > execution input > agent > config > default', () => {
  const all: ModelChoices = { override: 'openai:flag', run: 'openai:input', agent: 'openai:agent', config: 'openai:config', fallback: 'openai:default' };

  it.each([
    ['the flag over everything', all, 'openai:flag'],
    ['the execution input when no flag is given', { ...all, override: undefined }, 'openai:input'],
    ["the agent's own model next", { ...all, override: undefined, run: undefined }, 'openai:agent'],
    ["the config's model next", { config: 'openai:config', fallback: 'openai:default' }, 'openai:config'],
    ['the default of where it runs next', { fallback: 'openai:default' }, 'openai:default'],
    ['offline when nothing names one', {}, 'offline'],
    ['an empty string as not named', { override: '', run: '', agent: '', config: '', fallback: 'openai:default' }, 'openai:default'],
  ])('chooses %s', (_case, choices, expected) => {
    expect(chooseModel(choices)).toBe(expected);
  });

  it('lets the flag win over an agent that names a model object of its own', () => {
    const own: Model = { id: 'the-agents-own', generate: () => Promise.reject(new Error('not called')) };

    expect(chooseModel({ override: 'openai:gpt-4o-mini', agent: own })).toBe('openai:gpt-4o-mini');
    expect(chooseModel({ run: 'openai:gpt-4o-mini', agent: own })).toBe('openai:gpt-4o-mini');
    expect(chooseModel({ agent: own, config: 'openai:gpt-4o-mini' })).toBe(own);
  });
});
