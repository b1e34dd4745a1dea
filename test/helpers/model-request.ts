import type { ModelRequest, ToolSpec } from '../../framework/model';

/** The one tool the model tests offer: a search with a single string parameter. */
export const searchTool: ToolSpec = {
  name: 'search_documents',
  description: 'Searches the documents',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
};

/** A research request with `searchTool`, natively; `overrides` change any field. */
export const modelRequest = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  instructions: 'You are a careful researcher.',
  messages: [{ role: 'user', content: 'What causes tides?' }],
  tools: [searchTool],
  toolCalling: 'native',
  agentName: 'research',
  ...overrides,
});
