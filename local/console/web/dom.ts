/**
 * Building DOM nodes safely: text always goes in through text nodes and attributes through
 * `setAttribute`, never through HTML parsing, so nothing a run produced can become markup.
 */

/** What may be a child: nodes, text, or nothing (false/null/undefined are skipped). */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

/** Attributes and event handlers of an element. `on<event>` keys add listeners. */
export type Props = { readonly [name: string]: string | number | boolean | null | undefined | EventListener };

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === 'string' || typeof child === 'number') parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child as Node);
  }
}

function applyProps(element: Element, props: Props): void {
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'style' || name.startsWith('on')) {
      // Inline styles and handlers are what the content security policy forbids; the code never sets them.
      throw new Error(`Refusing to set "${name}" on <${element.tagName.toLowerCase()}>`);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

/**
 * An HTML element with attributes, listeners and children.
 *
 * @example
 * h('button', { type: 'button', onclick: () => approve() }, 'Approve');
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  applyProps(element, props);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (for the state machine graph). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  applyProps(element, props);
  append(element, children);
  return element;
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

let counter = 0;
/** A fresh id for label/aria references. */
export const uniqueId = (prefix: string): string => `${prefix}-${(counter += 1)}`;
