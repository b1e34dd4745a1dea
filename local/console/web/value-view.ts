import { h, type Child } from './dom';

const LONG_TEXT = 120;

/**
 * A value the way a person reads it: text as text (line breaks kept, long text in a scrolling
 * block), numbers and booleans as they are, objects and arrays as indented JSON.
 */
export function renderValue(value: unknown): Child {
  if (typeof value === 'string') {
    return value.length > LONG_TEXT || value.includes('\n') ? h('pre', { class: 'text-block', tabindex: 0 }, value) : h('span', { class: 'text-value' }, value === '' ? '(empty)' : value);
  }
  if (value === null) return h('span', { class: 'muted' }, 'null');
  if (typeof value === 'object') return h('pre', { class: 'json-block', tabindex: 0 }, JSON.stringify(value, null, 2));
  return h('code', {}, String(value));
}

/** Arguments as a list of fields, each with its value. */
export function renderArguments(args: unknown): HTMLElement {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return h('div', { class: 'arguments' }, renderValue(args));
  const entries = Object.entries(args as Record<string, unknown>);
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No arguments.');
  return h('dl', { class: 'arguments' }, entries.map(([key, value]) => [h('dt', {}, key), h('dd', {}, renderValue(value))]));
}
