import type { ToolSpec } from '../../../framework/model';
import { formatObservation, parseTextResponse, textProtocolInstructions } from '../../../framework/models/text-protocol';

const searchTool: ToolSpec = {
  name: 'search_documents',
  description: 'Searches the documents by keyword',
  parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'number' } }, required: ['query', 'limit'], additionalProperties: false },
};

describe('textProtocolInstructions', () => {
  it('puts the agent instructions first, then each tool with its schema, then the reply format', () => {
    const prompt = textProtocolInstructions('You research tides.', [searchTool]);

    expect(prompt.startsWith('You research tides.')).toBe(true);
    expect(prompt).toContain('### search_documents\nSearches the documents by keyword');
    expect(prompt).toContain(JSON.stringify(searchTool.parameters));
    expect(prompt).toContain('Thought: ');
    expect(prompt).toContain('Action: <tool name>');
    expect(prompt).toContain('Action Input: ');
    expect(prompt).toContain('Final Answer: ');
    expect(prompt).toContain('One Action per reply');
    expect(prompt).toContain('"Observation: ...".');
    expect(prompt.indexOf('search_documents')).toBeLessThan(prompt.indexOf('Final Answer:'));
  });

  it('says there are no tools when the agent has none', () => {
    expect(textProtocolInstructions('Be brief.', [])).toContain('You have no tools');
  });
});

describe('formatObservation', () => {
  it('prefixes the tool result with Observation', () => {
    expect(formatObservation('{"results":[]}')).toBe('Observation: {"results":[]}');
  });

  it('says so when the tool returned nothing', () => {
    expect(formatObservation('  ')).toBe('Observation: (the tool returned nothing)');
  });
});

describe('parseTextResponse', () => {
  describe('actions', () => {
    it('reads the canonical Thought / Action / Action Input reply', () => {
      const reply = 'Thought: I should look this up.\nAction: search_documents\nAction Input: {"query": "tides", "limit": 3}';

      expect(parseTextResponse(reply)).toEqual({ kind: 'action', thought: 'I should look this up.', tool: 'search_documents', input: { query: 'tides', limit: 3 } });
    });

    it('tolerates CRLF line endings, surrounding whitespace and lower-case labels', () => {
      const reply = '\r\n  thought: checking\r\naction: search_documents\r\naction input: {"query": "moon"}\r\n\r\n';

      expect(parseTextResponse(reply)).toEqual({ kind: 'action', thought: 'checking', tool: 'search_documents', input: { query: 'moon' } });
    });

    it('tolerates markdown bold around the labels', () => {
      const reply = '**Thought:** I need facts.\n**Action:** search_documents\n**Action Input**: {"query": "spring tides"}';

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'action', thought: 'I need facts.', tool: 'search_documents', input: { query: 'spring tides' } });
    });

    it('reads a pretty-printed input inside a json code fence', () => {
      const reply = ['Thought: search first', 'Action: search_documents', 'Action Input:', '```json', '{', '  "query": "neap tides",', '  "limit": 5', '}', '```'].join('\n');

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'action', tool: 'search_documents', input: { query: 'neap tides', limit: 5 } });
    });

    it('takes the first balanced JSON object and ignores prose after it', () => {
      const reply = 'Thought: go\nAction: search_documents\nAction Input: {"query": "a {curly} \\"quoted\\" }"} and then I will read the results.';

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'action', input: { query: 'a {curly} "quoted" }' } });
    });

    it('reads an Action Input written on the same line as the Action', () => {
      const reply = 'Thought: quick\nAction: search_documents Action Input: {"query": "moon"}';

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'action', tool: 'search_documents', input: { query: 'moon' } });
    });

    it('reads JSON arguments that directly follow the tool name', () => {
      expect(parseTextResponse('Action: search_documents {"query": "sun"}')).toMatchObject({ kind: 'action', tool: 'search_documents', input: { query: 'sun' }, thought: '' });
    });

    it('strips backticks and call parentheses from the tool name', () => {
      expect(parseTextResponse('Action: `search_documents()`\nAction Input: {}')).toMatchObject({ kind: 'action', tool: 'search_documents', input: {} });
    });

    it('uses the text before the first label as the thought when there is no Thought label', () => {
      const reply = 'Let me check the documents first.\n\nAction: search_documents\nAction Input: {"query": "tides"}';

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'action', thought: 'Let me check the documents first.' });
    });

    it('ignores an Observation the model invented after its action', () => {
      const reply = 'Thought: search\nAction: search_documents\nAction Input: {"query": "tides"}\nObservation: {"results": [{"id": "fake"}]}\nThought: done\nFinal Answer: made up';

      expect(parseTextResponse(reply)).toEqual({ kind: 'action', thought: 'search', tool: 'search_documents', input: { query: 'tides' } });
    });

    it('lets an Action win over a Final Answer after it, because the model has not seen the observation', () => {
      const reply = 'Thought: I think it is the moon.\nAction: search_documents\nAction Input: {"query": "moon"}\nFinal Answer: The moon.';

      expect(parseTextResponse(reply)).toEqual({ kind: 'action', thought: 'I think it is the moon.', tool: 'search_documents', input: { query: 'moon' } });
    });

    it('keeps only the first of several actions', () => {
      const reply = 'Action: search_documents\nAction Input: {"query": "one"}\nAction: search_documents\nAction Input: {"query": "two"}';

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'action', input: { query: 'one' } });
    });
  });

  describe('final answers', () => {
    it('reads a final answer that spans several lines', () => {
      const reply = 'Thought: I know enough.\nFinal Answer: Tides have two causes:\n\n1. the moon\n2. the sun\n\nSources: [doc-1]';

      expect(parseTextResponse(reply)).toEqual({ kind: 'final', thought: 'I know enough.', answer: 'Tides have two causes:\n\n1. the moon\n2. the sun\n\nSources: [doc-1]' });
    });

    it('tolerates bold labels and CRLF in a final answer', () => {
      expect(parseTextResponse('**Thought:** done\r\n**Final Answer:** The moon.\r\n')).toEqual({ kind: 'final', thought: 'done', answer: 'The moon.' });
    });

    it('keeps lines that look like labels inside the final answer', () => {
      const reply = 'Final Answer: Summary\nThought: the authors disagree\nObservation: sample size was small';

      expect(parseTextResponse(reply)).toMatchObject({ kind: 'final', answer: 'Summary\nThought: the authors disagree\nObservation: sample size was small' });
    });

    it('keeps an Action line that comes after the Final Answer as part of the answer', () => {
      const reply = 'Final Answer: Next steps:\n- **Action:** review the budget\n- Owner: finance';

      expect(parseTextResponse(reply)).toEqual({ kind: 'final', thought: '', answer: 'Next steps:\n- **Action:** review the budget\n- Owner: finance' });
    });

    it('reads "Action: None" next to a Final Answer as the final answer', () => {
      const reply = 'Thought: no tool needed\nAction: None\nFinal Answer: 42';

      expect(parseTextResponse(reply)).toEqual({ kind: 'final', thought: 'no tool needed', answer: '42' });
    });
  });

  describe('malformed replies', () => {
    it('explains how to add the missing Action Input', () => {
      const parsed = parseTextResponse('Thought: search\nAction: search_documents');

      expect(parsed).toMatchObject({ kind: 'malformed', thought: 'search' });
      expect(parsed.kind === 'malformed' && parsed.problem).toContain('"Action: search_documents" has no "Action Input:" line');
      expect(parsed.kind === 'malformed' && parsed.problem).toContain('Action Input: {"name": "value"}');
    });

    it('rejects an input that is not a JSON object', () => {
      const parsed = parseTextResponse('Action: search_documents\nAction Input: tides and moon');

      expect(parsed.kind).toBe('malformed');
      expect(parsed.kind === 'malformed' && parsed.problem).toMatch(/must be a JSON object starting with "\{"/);
    });

    it('rejects a JSON array input', () => {
      expect(parseTextResponse('Action: search_documents\nAction Input: ["tides"]').kind).toBe('malformed');
    });

    it('reports invalid JSON with the parser message', () => {
      const parsed = parseTextResponse("Action: search_documents\nAction Input: {'query': 'tides'}");

      expect(parsed.kind).toBe('malformed');
      expect(parsed.kind === 'malformed' && parsed.problem).toMatch(/is not valid JSON .*double-quoted keys/s);
    });

    it('reports an object that is never closed', () => {
      const parsed = parseTextResponse('Action: search_documents\nAction Input: {"query": "tides"');

      expect(parsed.kind === 'malformed' && parsed.problem).toMatch(/never closed/);
    });

    it('rejects an Action without a tool name', () => {
      const parsed = parseTextResponse('Thought: hmm\nAction:\nAction Input: {"query": "x"}');

      expect(parsed.kind).toBe('malformed');
      expect(parsed.kind === 'malformed' && parsed.problem).toMatch(/has no tool name/);
    });

    it('never treats a reply with neither Action nor Final Answer as the answer', () => {
      const parsed = parseTextResponse('The tides are caused by the moon.');

      expect(parsed).toMatchObject({ kind: 'malformed', thought: 'The tides are caused by the moon.' });
      expect(parsed.kind === 'malformed' && parsed.problem).toContain('neither an "Action:" line nor a "Final Answer:" line');
      expect(parsed.kind === 'malformed' && parsed.problem).toContain('Final Answer: <your complete answer to the task>');
    });

    it('keeps the thought of a reply that stopped after thinking', () => {
      expect(parseTextResponse('Thought: I should search for tides.')).toMatchObject({ kind: 'malformed', thought: 'I should search for tides.' });
    });

    it('rejects an empty Final Answer', () => {
      expect(parseTextResponse('Thought: done\nFinal Answer:   ').kind).toBe('malformed');
    });

    it('does not accept a Final Answer when the Action before it is broken', () => {
      const parsed = parseTextResponse('Action: search_documents\nAction Input: tides\nFinal Answer: The moon.');

      expect(parsed.kind).toBe('malformed');
    });

    it('does not mistake "action:" inside a sentence for a label', () => {
      expect(parseTextResponse('Final Answer: The recommended action: buy more sensors.')).toEqual({
        kind: 'final',
        thought: '',
        answer: 'The recommended action: buy more sensors.',
      });
    });
  });
});
