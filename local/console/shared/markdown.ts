/**
 * A small Markdown parser for the console: it turns text into a tree of blocks and inline spans,
 * never into HTML. The page builds DOM nodes from the tree with `textContent`, so nothing in an
 * answer (a model's, a tool's, an attacker's) can become markup or script. Links keep only
 * `http:`, `https:` and `mailto:` targets; anything else stays text.
 *
 * It covers what agents write: ATX headings, paragraphs, emphasis, inline code, fenced code
 * blocks, block quotes, ordered and unordered lists (nested by indentation), rules, links and
 * hard line breaks. No DOM and no Node APIs: this file is bundled into the console's script.
 */

/** A span of text inside a block. */
export type MarkdownInline =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'strong'; readonly children: readonly MarkdownInline[] }
  | { readonly kind: 'emphasis'; readonly children: readonly MarkdownInline[] }
  | { readonly kind: 'link'; readonly href: string; readonly children: readonly MarkdownInline[] }
  | { readonly kind: 'break' };

/** A block of a document. */
export type MarkdownBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3 | 4 | 5 | 6; readonly children: readonly MarkdownInline[] }
  | { readonly kind: 'paragraph'; readonly children: readonly MarkdownInline[] }
  | { readonly kind: 'code'; readonly language?: string; readonly text: string }
  | { readonly kind: 'quote'; readonly blocks: readonly MarkdownBlock[] }
  | { readonly kind: 'list'; readonly ordered: boolean; readonly start: number; readonly items: readonly (readonly MarkdownBlock[])[] }
  | { readonly kind: 'rule' };

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** Whether a link target may become a link: absolute web and mail addresses only. */
export function isSafeHref(href: string): boolean {
  return SAFE_LINK.test(href.trim()) && !/[\s<>"]/.test(href.trim());
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const BLANK = /^\s*$/;

/**
 * Parses Markdown into blocks.
 *
 * @example
 * parseMarkdown('# Report\n\n- **Solar** output rose');
 * // [{ kind: 'heading', level: 1, ... }, { kind: 'list', ordered: false, start: 1, items: [...] }]
 */
export function parseMarkdown(source: string): MarkdownBlock[] {
  return parseBlocks(source.replace(/\r\n?/g, '\n').split('\n'));
}

function parseBlocks(lines: readonly string[]): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (BLANK.test(line)) {
      index += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const closing = new RegExp(`^ {0,3}${fence[1][0] === '`' ? '`' : '~'}{${fence[1].length},}\\s*$`);
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !closing.test(lines[index])) body.push(lines[index++]);
      index += 1;
      blocks.push({ kind: 'code', ...(fence[2] ? { language: fence[2] } : {}), text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length as 1 | 2 | 3 | 4 | 5 | 6, children: parseInline(heading[2] ?? '') });
      index += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' });
      index += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (index < lines.length && !BLANK.test(lines[index]) && (QUOTE.test(lines[index]) || quoted.length > 0)) {
        const match = QUOTE.exec(lines[index]);
        quoted.push(match ? match[1] : lines[index]);
        index += 1;
      }
      blocks.push({ kind: 'quote', blocks: parseBlocks(quoted) });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      index = parseList(lines, index, blocks);
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length && !BLANK.test(lines[index]) && !startsBlock(lines[index])) paragraph.push(lines[index++]);
    blocks.push({ kind: 'paragraph', children: parseInline(paragraph.join('\n')) });
  }
  return blocks;
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line);
}

/** Parses the list starting at `start` into `blocks`; returns the index after it. */
function parseList(lines: readonly string[], start: number, blocks: MarkdownBlock[]): number {
  const first = LIST_ITEM.exec(lines[start]) as RegExpExecArray;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items: MarkdownBlock[][] = [];
  let index = start;
  while (index < lines.length) {
    const match = LIST_ITEM.exec(lines[index]);
    if (!match || match[1].length !== indent || /\d/.test(match[2]) !== ordered) break;
    const content = [match[3]];
    const contentIndent = indent + match[2].length + 1;
    index += 1;
    // The item goes on with indented lines (a nested list, a second paragraph) and lazy continuation lines.
    while (index < lines.length) {
      const next = lines[index];
      if (BLANK.test(next)) {
        const following = lines[index + 1];
        if (following !== undefined && leadingSpaces(following) >= contentIndent) {
          content.push('');
          index += 1;
          continue;
        }
        break;
      }
      const nested = LIST_ITEM.exec(next);
      if (nested && nested[1].length <= indent) break;
      if (!nested && leadingSpaces(next) < contentIndent && startsBlock(next)) break;
      content.push(next.slice(Math.min(leadingSpaces(next), contentIndent)));
      index += 1;
    }
    items.push(parseBlocks(content));
  }
  blocks.push({ kind: 'list', ordered, start: ordered ? Number.parseInt(first[2], 10) : 1, items });
  return index;
}

const leadingSpaces = (line: string): number => line.length - line.trimStart().length;

/**
 * Parses inline Markdown: `code`, **strong**, *emphasis*, [links](https://…), <https://…>,
 * backslash escapes and hard breaks (two trailing spaces or a backslash before a newline).
 */
export function parseInline(source: string): MarkdownInline[] {
  const output: MarkdownInline[] = [];
  let text = '';
  const flush = () => {
    if (text) output.push({ kind: 'text', text });
    text = '';
  };
  let index = 0;
  while (index < source.length) {
    const rest = source.slice(index);
    const char = source[index];
    if (char === '\\' && index + 1 < source.length) {
      const next = source[index + 1];
      if (next === '\n') {
        flush();
        output.push({ kind: 'break' });
        index += 2;
        continue;
      }
      if (/[\\`*_{}[\]()#+\-.!<>|~]/.test(next)) {
        text += next;
        index += 2;
        continue;
      }
    }
    if (char === '\n') {
      if (/ {2,}$/.test(text)) {
        text = text.replace(/ +$/, '');
        flush();
        output.push({ kind: 'break' });
      } else {
        text += ' ';
      }
      index += 1;
      continue;
    }
    if (char === '`') {
      const ticks = /^`+/.exec(rest)![0];
      const end = source.indexOf(ticks, index + ticks.length);
      if (end !== -1) {
        flush();
        output.push({ kind: 'code', text: source.slice(index + ticks.length, end).replace(/\n/g, ' ').trim() || source.slice(index + ticks.length, end) });
        index = end + ticks.length;
        continue;
      }
    }
    const autolink = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(rest);
    if (autolink) {
      flush();
      output.push({ kind: 'link', href: autolink[1], children: [{ kind: 'text', text: autolink[1] }] });
      index += autolink[0].length;
      continue;
    }
    if (char === '[') {
      const link = matchLink(source, index);
      if (link) {
        flush();
        const children = parseInline(link.label);
        output.push(isSafeHref(link.href) ? { kind: 'link', href: link.href.trim(), children } : { kind: 'text', text: source.slice(index, link.end) });
        index = link.end;
        continue;
      }
    }
    if (char === '*' || char === '_') {
      const strong = rest.startsWith(char.repeat(2)) ? closing(source, index, char.repeat(2)) : -1;
      if (strong !== -1) {
        flush();
        output.push({ kind: 'strong', children: parseInline(source.slice(index + 2, strong)) });
        index = strong + 2;
        continue;
      }
      // An underscore inside a word (snake_case) is a letter, not emphasis.
      const wordBefore = char === '_' && index > 0 && /\w/.test(source[index - 1]);
      const emphasis = wordBefore ? -1 : closing(source, index, char);
      if (emphasis !== -1 && !(char === '_' && /\w/.test(source[emphasis + 1] ?? ''))) {
        flush();
        output.push({ kind: 'emphasis', children: parseInline(source.slice(index + 1, emphasis)) });
        index = emphasis + 1;
        continue;
      }
    }
    text += char;
    index += 1;
  }
  flush();
  return output;
}

/** Where the delimiter run `marker` that opens at `open` closes, or -1: content must not start or end with a space. */
function closing(source: string, open: number, marker: string): number {
  const start = open + marker.length;
  if (start >= source.length || /\s/.test(source[start])) return -1;
  let search = start;
  while (search < source.length) {
    const found = source.indexOf(marker, search);
    if (found === -1) return -1;
    const doubled = marker.length === 1 && source[found + 1] === marker;
    if (found > start && !/\s/.test(source[found - 1]) && !doubled) return found;
    search = found + (doubled ? 2 : 1);
  }
  return -1;
}

function matchLink(source: string, open: number): { label: string; href: string; end: number } | undefined {
  let depth = 0;
  for (let index = open; index < source.length; index += 1) {
    const char = source[index];
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (char === '[') depth += 1;
    if (char === ']') {
      depth -= 1;
      if (depth === 0) {
        if (source[index + 1] !== '(') return undefined;
        const close = source.indexOf(')', index + 2);
        if (close === -1) return undefined;
        const target = source.slice(index + 2, close).trim().split(/\s+/)[0] ?? '';
        return { label: source.slice(open + 1, index), href: target.replace(/^<|>$/g, ''), end: close + 1 };
      }
    }
  }
  return undefined;
}

/** The plain text of inline spans (for titles and accessible names). */
export function inlineText(spans: readonly MarkdownInline[]): string {
  return spans.map((span) => (span.kind === 'break' ? '\n' : span.kind === 'text' || span.kind === 'code' ? span.text : inlineText(span.children))).join('');
}
