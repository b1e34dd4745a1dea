import { z } from 'zod';
import { executionInputSchema, buildAgentDefinition } from '../../../state-machines';
import { publishReport, extractEntities } from '../../../tools';
import { checkAgainstSchema } from '../../../local/console/shared/json-schema-check';
import { parseMarkdown, parseInline } from '../../../local/console/shared/markdown';
import { layoutStateMachine, type GraphNode } from '../../../local/console/shared/asl-graph';
import { stateStatuses } from '../../../local/console/shared/state-progress';
import { REDACTED_TOKEN, redactTaskTokens } from '../../../local/console/shared/redact';
import { localResources } from '../../../local';

describe('checking edited arguments against a tool\'s JSON Schema', () => {
  it('accepts arguments that fit', () => {
    expect(checkAgainstSchema({ title: 'Grid storage', body: 'Text' }, publishReport.jsonSchema)).toEqual([]);
  });

  it('refuses an unknown key by name instead of dropping it', () => {
    const issues = checkAgainstSchema({ titel: 'x', title: 'ok', body: 'b' }, publishReport.jsonSchema);

    expect(issues).toEqual([{ path: 'titel', message: 'is not a known field (the fields are title, body)' }]);
  });

  it('names every field that is missing, empty, too long or of the wrong type', () => {
    const issues = checkAgainstSchema({ title: 'x'.repeat(201), body: 7 }, publishReport.jsonSchema);

    expect(issues).toEqual([
      { path: 'title', message: 'must be at most 200 characters (it has 201)' },
      { path: 'body', message: 'must be a string, not a number' },
    ]);
    expect(checkAgainstSchema({ title: '' }, publishReport.jsonSchema)).toEqual([
      { path: 'body', message: 'is required' },
      { path: 'title', message: 'must not be empty' },
    ]);
  });

  it('understands nullable fields and enums inside arrays', () => {
    const valid = { text: null, documentId: 'doc-1', entity_types: ['person', 'place'] };
    const invalid = { text: null, documentId: 'doc-1', entity_types: ['person', 'planet'] };

    expect(checkAgainstSchema(valid, extractEntities.jsonSchema)).toEqual([]);
    expect(checkAgainstSchema({ ...valid, entity_types: null }, extractEntities.jsonSchema)).toEqual([]);
    expect(checkAgainstSchema(invalid, extractEntities.jsonSchema)).toEqual([
      { path: 'entity_types[1]', message: 'must be one of "person", "organization", "place", "date", "number", "technology"' },
    ]);
  });

  it('checks an execution input with the schema StartExecution\'s input is parsed with', () => {
    const schema = z.toJSONSchema(executionInputSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;

    expect(checkAgainstSchema({ task: 'Research grids', sessionId: 'bad id!' }, schema)).toEqual([
      { path: 'sessionId', message: 'must match ^[A-Za-z0-9._:-]+$' },
    ]);
  });
});

describe('the console\'s Markdown parser', () => {
  it('parses what a research answer contains', () => {
    const blocks = parseMarkdown('# Report\n\n## Key findings\n- **Solar** [doc-1]: rose\n- Wind\n  - offshore\n\n1. First\n2. Second\n\n```ts\nconst x = 1 < 2;\n```\n\n> quoted *text*\n\n---');

    expect(blocks.map((block) => block.kind)).toEqual(['heading', 'heading', 'list', 'list', 'code', 'quote', 'rule']);
    expect(blocks[2]).toMatchObject({ kind: 'list', ordered: false, items: [[{ kind: 'paragraph' }], [{ kind: 'paragraph' }, { kind: 'list' }]] });
    expect(blocks[3]).toMatchObject({ kind: 'list', ordered: true, start: 1 });
    expect(blocks[4]).toEqual({ kind: 'code', language: 'ts', text: 'const x = 1 < 2;' });
  });

  it('keeps markup and script as text', () => {
    const [paragraph] = parseMarkdown('<img src=x onerror=alert(1)> <script>alert(2)</script>');

    expect(paragraph).toEqual({ kind: 'paragraph', children: [{ kind: 'text', text: '<img src=x onerror=alert(1)> <script>alert(2)</script>' }] });
  });

  it('links only web and mail addresses', () => {
    expect(parseInline('[site](https://example.com/a) [x](javascript:alert(1)) [y](data:text/html,hi)')).toEqual([
      { kind: 'link', href: 'https://example.com/a', children: [{ kind: 'text', text: 'site' }] },
      { kind: 'text', text: ' ' },
      { kind: 'text', text: '[x](javascript:alert(1)' },
      { kind: 'text', text: ') ' },
      { kind: 'text', text: '[y](data:text/html,hi)' },
    ]);
  });

  it('reads emphasis, code and breaks, and leaves snake_case alone', () => {
    expect(parseInline('*a* **b** `c*d` snake_case_name  \nnext')).toEqual([
      { kind: 'emphasis', children: [{ kind: 'text', text: 'a' }] },
      { kind: 'text', text: ' ' },
      { kind: 'strong', children: [{ kind: 'text', text: 'b' }] },
      { kind: 'text', text: ' ' },
      { kind: 'code', text: 'c*d' },
      { kind: 'text', text: ' snake_case_name' },
      { kind: 'break' },
      { kind: 'text', text: 'next' },
    ]);
  });
});

describe('the state machine graph', () => {
  const definition = buildAgentDefinition({ agentName: 'research', approvalTimeoutSeconds: 60, resources: localResources }) as never;

  it('draws every state once, between Start and End, with the approval states inside the Map', () => {
    const graph = layoutStateMachine(definition);
    const names = graph.nodes.map((node) => node.name);

    expect(names[0]).toBe('Start');
    expect(names).toContain('End');
    expect(names.sort()).toEqual(['CheckTurnStatus', 'End', 'Failed', 'Initialize', 'NextTurn', 'RequestApprovals', 'RunAgent', 'ShapeResult', 'Start', 'Succeeded', 'UnknownTurnStatus']);
    const map = graph.nodes.find((node) => node.name === 'RequestApprovals')!;
    expect(map.inner![0].nodes.map((node) => node.name).sort()).toEqual(['ApprovalRejected', 'ApprovalTimedOut', 'RecordDecision', 'RequestApproval']);
  });

  it('puts each state below the states that lead to it, and draws the agent loop as a back edge', () => {
    const graph = layoutStateMachine(definition);
    const node = (name: string) => graph.nodes.find((each) => each.name === name) as GraphNode;

    expect(node('Initialize').y).toBeGreaterThan(node('Start').y);
    expect(node('RunAgent').y).toBeGreaterThan(node('Initialize').y);
    expect(node('Succeeded').y).toBeGreaterThan(node('ShapeResult').y);
    expect(node('End').y).toBeGreaterThan(node('Succeeded').y);
    const loop = graph.edges.find((edge) => edge.from === 'NextTurn' && edge.to === 'RunAgent')!;
    expect(loop.back).toBe(true);
    expect(graph.edges.find((edge) => edge.from === 'CheckTurnStatus' && edge.to === 'ShapeResult')).toMatchObject({ kind: 'choice', label: 'COMPLETED' });
    for (const each of graph.nodes) expect(each.x + each.width).toBeLessThanOrEqual(graph.width);
  });
});

describe('state statuses from the execution history', () => {
  const entered = (name: string, type = 'Task') => ({ type: `${type}StateEntered`, stateEnteredEventDetails: { name } });
  const exited = (name: string, type = 'Task') => ({ type: `${type}StateExited`, stateExitedEventDetails: { name } });

  it('marks the running state in progress and the finished ones succeeded', () => {
    const statuses = stateStatuses([{ type: 'ExecutionStarted' }, entered('Initialize', 'Pass'), exited('Initialize', 'Pass'), entered('RunAgent'), { type: 'TaskScheduled' }]);

    expect(Object.fromEntries(statuses)).toEqual({ Initialize: 'succeeded', RunAgent: 'in-progress' });
  });

  it('marks a task whose failure was caught, and the state the execution failed in', () => {
    const statuses = stateStatuses([
      entered('RequestApproval'),
      { type: 'TaskFailed' },
      exited('RequestApproval'),
      entered('ApprovalRejected', 'Pass'),
      exited('ApprovalRejected', 'Pass'),
      entered('RunAgent'),
      { type: 'TaskFailed' },
      { type: 'ExecutionFailed' },
    ]);

    expect(statuses.get('RequestApproval')).toBe('caught');
    expect(statuses.get('RunAgent')).toBe('failed');
  });

  it('marks the state a stopped execution was in', () => {
    expect(stateStatuses([entered('RunAgent'), { type: 'ExecutionAborted' }]).get('RunAgent')).toBe('stopped');
  });
});

describe('hiding task tokens', () => {
  it('hides tokens under their keys, in environment overrides and inside JSON strings', () => {
    const parameters = JSON.stringify({ Overrides: { ContainerOverrides: [{ Environment: [{ Name: 'STEPWISE_TASK_TOKEN', Value: 'AAAA-aws-opaque-token' }, { Name: 'STEPWISE_AGENT', Value: 'research' }] }] } });

    const redacted = redactTaskTokens({ taskScheduledEventDetails: { parameters }, taskToken: 'swt1.abcdefghijklmnopqrstuvwx', note: 'token swt1.abcdefghijklmnopqrstuvwx here' }) as Record<string, unknown>;

    const text = JSON.stringify(redacted);
    expect(text).not.toContain('AAAA-aws-opaque-token');
    expect(text).not.toContain('swt1.abcdefghijklmnopqrstuvwx');
    expect(text).toContain('research');
    expect(redacted.taskToken).toBe(REDACTED_TOKEN);
  });
});
