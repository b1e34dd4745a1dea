/**
 * The text ReAct protocol, for models without function calling: the model writes
 * `Thought / Action / Action Input` or `Thought / Final Answer`, and tool results come back as
 * `Observation:` messages.
 */
import type { ToolSpec } from '../model';

/** What one protocol reply asks for: a tool call, the final answer, or a format the runner must send back. */
export type TextProtocolReply =
  | { readonly kind: 'action'; readonly thought: string; readonly tool: string; readonly input: unknown }
  | { readonly kind: 'final'; readonly thought: string; readonly answer: string }
  | { readonly kind: 'malformed'; readonly thought: string; readonly problem: string };

const FORMAT = [
  'To use a tool, reply with exactly:',
  'Thought: <your reasoning about what to do next>',
  'Action: <tool name>',
  'Action Input: <the arguments as one JSON object, e.g. {"name": "value"}>',
  '',
  'When you know the answer, reply with exactly:',
  'Thought: <your reasoning>',
  'Final Answer: <your complete answer to the task>',
].join('\n');

/**
 * Builds the system prompt for text mode: the agent's instructions, every tool with its JSON
 * Schema, and the exact reply format.
 *
 * @example
 * const instructions = textProtocolInstructions('You answer questions about prices.', [
 *   { name: 'price', description: 'The price of an item', parameters: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'], additionalProperties: false } },
 * ]);
 */
export function textProtocolInstructions(agentInstructions: string, tools: readonly ToolSpec[]): string {
  const toolText = tools.length
    ? tools.map((tool) => `### ${tool.name}\n${tool.description}\nAction Input JSON Schema: ${JSON.stringify(tool.parameters)}`).join('\n\n')
    : 'You have no tools: answer with a Final Answer.';
  return [
    agentInstructions.trim(),
    '',
    '## Tools',
    '',
    toolText,
    '',
    '## How to reply',
    '',
    FORMAT,
    '',
    'Rules:',
    '- One Action per reply. Stop after the Action Input line and wait: the tool result comes back to you as "Observation: ...".',
    '- Never write an Observation yourself, and never give a Final Answer in the same reply as an Action.',
    '- The Action is the exact tool name from the list above; the Action Input is a JSON object with double-quoted keys that matches its schema.',
  ].join('\n');
}

/**
 * Formats a tool result as the message the model reads after its Action.
 *
 * @example
 * formatObservation('{"results":[]}'); // 'Observation: {"results":[]}'
 */
export function formatObservation(content: string): string {
  return `Observation: ${content.trim() === '' ? '(the tool returned nothing)' : content}`;
}

type Label = 'thought' | 'action' | 'input' | 'observation' | 'final';

interface Segment {
  readonly label: Label;
  /** Where the label starts, for ordering. */
  readonly start: number;
  /** Where the text after the label starts. */
  readonly bodyStart: number;
  /** The text after the label up to the next label. */
  readonly body: string;
}

// A label at the start of a line, tolerating markdown (`**Action:**`, `**Action**:`, `### Final Answer:`, `- Action:`).
const LABEL_AT_LINE_START =
  /^[ \t]*(?:[#>-][#>\- \t]*)?(?:\*\*|__|\*|_)?[ \t]*(thought|action[ _]?input|action|observation|final[ _]?answer)[ \t]*(?:\*\*|__|\*|_)?[ \t]*:[ \t]*(?:\*\*|__|\*|_)?/gim;
// `Action: search Action Input: {...}` written on one line.
const INLINE_INPUT = /(?:\*\*|__)?\baction[ _]?input(?:\*\*|__)?\s*:\s*(?:\*\*|__)?/i;
// Names models write when they mean "no tool", next to a Final Answer.
const NO_TOOL = /^(none|n\/a|null|no action|nothing|-)?$/i;

/**
 * Reads one text-protocol reply. Labels are found at the start of lines, whatever their case,
 * markdown bold or line endings.
 *
 * Rule when a reply has both: **whichever of Action and Final Answer comes first wins**. An Action
 * before a Final Answer wins because the model has not seen its Observation yet, so the answer
 * after it is premature (it answers again after the observation). Everything after a Final
 * Answer is the answer, even lines such as `Action: review the budget` in a list. An
 * `Action: None` with no Action Input before a Final Answer is read as the final answer. Only the
 * first Action of a reply is taken. A reply that cannot be read is `malformed`, never final:
 * `problem` tells the model how to fix its format.
 *
 * @example
 * parseTextResponse('Thought: I need data\nAction: search\nAction Input: {"query": "tides"}');
 * // { kind: 'action', thought: 'I need data', tool: 'search', input: { query: 'tides' } }
 */
export function parseTextResponse(text: string): TextProtocolReply {
  const normalized = text.replace(/\r\n?/g, '\n');
  const segments = findSegments(normalized);
  const preamble = (segments.length ? normalized.slice(0, segments[0].start) : normalized).trim();
  const action = segments.find((segment) => segment.label === 'action');
  const final = segments.find((segment) => segment.label === 'final');
  const thoughtBefore = (position: number): string => {
    const thoughts = segments.filter((segment) => segment.label === 'thought' && segment.start < position).map((segment) => segment.body.trim());
    return thoughts.length ? thoughts.join('\n').trim() : preamble;
  };

  const actionFirst = action && (!final || action.start < final.start);
  if (actionFirst && !(final && isNoToolAction(action, segments))) {
    return parseAction(action, segments, thoughtBefore(action.start));
  }
  if (final) {
    const thought = thoughtBefore(final.start);
    // A final answer runs to the end of the reply: it may span lines that look like anything.
    const answer = normalized.slice(final.bodyStart).trim();
    if (answer === '') {
      return { kind: 'malformed', thought, problem: `Your "Final Answer:" is empty. Write your complete answer after "Final Answer:".\n\n${FORMAT}` };
    }
    return { kind: 'final', thought, answer };
  }
  const thought = thoughtBefore(Number.POSITIVE_INFINITY);
  return {
    kind: 'malformed',
    thought,
    problem: `Your reply has neither an "Action:" line nor a "Final Answer:" line, so it was not understood.\n\n${FORMAT}`,
  };
}

function findSegments(text: string): Segment[] {
  const found: { label: Label; start: number; bodyStart: number }[] = [];
  for (const match of text.matchAll(LABEL_AT_LINE_START)) {
    found.push({ label: toLabel(match[1]), start: match.index, bodyStart: match.index + match[0].length });
  }
  return found.map((item, index) => ({
    label: item.label,
    start: item.start,
    bodyStart: item.bodyStart,
    body: text.slice(item.bodyStart, index + 1 < found.length ? found[index + 1].start : text.length),
  }));
}

function toLabel(raw: string): Label {
  const word = raw.toLowerCase().replace(/[ _]/g, '');
  if (word === 'actioninput') return 'input';
  if (word === 'finalanswer') return 'final';
  return word as Label;
}

function isNoToolAction(action: Segment, segments: readonly Segment[]): boolean {
  const hasInput = segments.some((segment) => segment.label === 'input' && segment.start > action.start) || INLINE_INPUT.test(action.body);
  return !hasInput && NO_TOOL.test(cleanToolName(firstLine(action.body)));
}

function parseAction(action: Segment, segments: readonly Segment[], thought: string): TextProtocolReply {
  const malformed = (problem: string): TextProtocolReply => ({ kind: 'malformed', thought, problem });
  const line = firstLine(action.body);
  let namePart = line;
  let inputText: string | undefined;
  const inline = INLINE_INPUT.exec(line);
  if (inline) {
    namePart = line.slice(0, inline.index);
    inputText = line.slice(inline.index + inline[0].length) + action.body.slice(action.body.indexOf(line) + line.length);
  } else if (/[{[]/.test(line)) {
    // `Action: search {"query": "x"}`: the arguments follow the name on the same line.
    const brace = line.search(/[{[]/);
    namePart = line.slice(0, brace);
    inputText = line.slice(brace) + action.body.slice(action.body.indexOf(line) + line.length);
  }
  const tool = cleanToolName(namePart);
  if (tool === '') {
    return malformed(`Your "Action:" line has no tool name. Write the exact name of one tool after "Action:", e.g.\nAction: <tool name>\nAction Input: {"name": "value"}`);
  }
  if (inputText === undefined) {
    const input = segments.find((segment) => segment.label === 'input' && segment.start > action.start);
    if (!input) {
      return malformed(
        `"Action: ${tool}" has no "Action Input:" line. On the line after the Action, write "Action Input:" followed by the arguments as one JSON object, e.g.\nAction: ${tool}\nAction Input: {"name": "value"}\n(use {} when the tool takes no arguments).`,
      );
    }
    inputText = input.body;
  }
  const parsed = readJsonObject(inputText);
  if ('problem' in parsed) {
    return malformed(
      `The Action Input for "${tool}" ${parsed.problem}. Write the arguments as one JSON object with double-quoted keys right after "Action Input:", e.g.\nAction: ${tool}\nAction Input: {"name": "value"}`,
    );
  }
  return { kind: 'action', thought, tool, input: parsed.value };
}

function firstLine(body: string): string {
  return body.split('\n').find((line) => line.trim() !== '') ?? '';
}

function cleanToolName(raw: string): string {
  return raw
    .trim()
    .replace(/^[`'"*_[\s]+|[`'"*_\]\s]+$/g, '')
    .replace(/\(\s*\)$/, '')
    .replace(/[.:,;]+$/, '')
    .trim();
}

/** The first balanced JSON object at the start of `text` (after an optional code fence); prose after it is ignored. */
function readJsonObject(text: string): { value: Record<string, unknown> } | { problem: string } {
  const body = text.trim().replace(/^```[a-zA-Z]*[ \t]*\n?/, '').replace(/^`+/, '').trimStart();
  if (body === '') return { problem: 'is empty' };
  if (!body.startsWith('{')) return { problem: `must be a JSON object starting with "{", but it starts with ${JSON.stringify(body.slice(0, 40))}` };
  const end = balancedObjectEnd(body);
  if (end === -1) return { problem: 'is a JSON object that is never closed (a "}" is missing)' };
  const candidate = body.slice(0, end + 1);
  try {
    return { value: JSON.parse(candidate) as Record<string, unknown> };
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message}): ${candidate.slice(0, 200)}` };
  }
}

/** Index of the `}` that closes the object opening at index 0, skipping braces inside strings. */
function balancedObjectEnd(text: string): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{') {
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}
