import { parseMarkdown, type MarkdownBlock, type MarkdownInline } from '../shared/markdown';
import { h, type Child } from './dom';

function inline(spans: readonly MarkdownInline[]): Child[] {
  return spans.map((span): Child => {
    switch (span.kind) {
      case 'text':
        return span.text;
      case 'code':
        return h('code', {}, span.text);
      case 'strong':
        return h('strong', {}, inline(span.children));
      case 'emphasis':
        return h('em', {}, inline(span.children));
      case 'link':
        return h('a', { href: span.href, rel: 'noopener noreferrer nofollow', target: '_blank' }, inline(span.children));
      case 'break':
        return h('br');
    }
  });
}

function block(node: MarkdownBlock, headingOffset: number): Child {
  switch (node.kind) {
    case 'heading': {
      const level = Math.min(6, node.level + headingOffset) as 1 | 2 | 3 | 4 | 5 | 6;
      return h(`h${level}`, {}, inline(node.children));
    }
    case 'paragraph':
      return h('p', {}, inline(node.children));
    case 'code':
      return h('pre', { class: 'code' }, h('code', node.language ? { 'data-language': node.language } : {}, node.text));
    case 'quote':
      return h('blockquote', {}, node.blocks.map((child) => block(child, headingOffset)));
    case 'list': {
      const items = node.items.map((item) => h('li', {}, item.map((child) => block(child, headingOffset))));
      return node.ordered ? h('ol', node.start !== 1 ? { start: node.start } : {}, items) : h('ul', {}, items);
    }
    case 'rule':
      return h('hr');
  }
}

/**
 * Markdown as DOM, built from the parsed tree with text nodes only (no HTML is ever parsed).
 * `headingOffset` moves the document's headings down to fit the page's outline (`# ` under an
 * `<h2>` becomes `<h3>` with an offset of 2).
 */
export function renderMarkdown(source: string, headingOffset = 0): HTMLElement {
  return h('div', { class: 'markdown' }, parseMarkdown(source).map((node) => block(node, headingOffset)));
}
