import type { GraphEdge, GraphNode, StateGraph } from '../shared/asl-graph';
import { StateStatus, StateStatusLabel } from '../shared/state-progress';
import { h, s, type Child } from './dom';

const MARKER_ID = 'graph-arrow';

/** Straight lines for the loop back; downward edges as curves that leave and enter vertically. */
function edgePath(edge: GraphEdge): string {
  const [first, ...rest] = edge.points;
  if (edge.back) return `M ${first[0]} ${first[1]} ${rest.map(([x, y]) => `L ${x} ${y}`).join(' ')}`;
  const segments = rest.map(([x2, y2], index) => {
    const [x1, y1] = edge.points[index];
    if (x1 === x2) return `L ${x2} ${y2}`;
    const bend = Math.max(12, (y2 - y1) / 2);
    return `C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`;
  });
  return `M ${first[0]} ${first[1]} ${segments.join(' ')}`;
}

function edgeLabel(edge: GraphEdge): Child {
  if (!edge.label || edge.back) return null;
  const [x, y] = edge.points[edge.points.length - 1];
  return s('text', { x: x + 6, y: y - 8, class: 'edge-label' }, edge.label.length > 24 ? `${edge.label.slice(0, 23)}…` : edge.label);
}

function node(graphNode: GraphNode, statuses: ReadonlyMap<string, StateStatus>): SVGGElement {
  const { name, type, x, y, width, height } = graphNode;
  if (type === 'Start' || type === 'End') {
    return s(
      'g',
      { class: 'state marker', transform: `translate(${x} ${y})` },
      s('rect', { width, height, rx: height / 2 }),
      s('text', { x: width / 2, y: height / 2 + 4, 'text-anchor': 'middle' }, name),
    );
  }
  const status = statuses.get(name) ?? StateStatus.NotRun;
  const label = StateStatusLabel[status];
  const group = s(
    'g',
    { class: `state status-${status}${graphNode.inner ? ' container' : ''}`, transform: `translate(${x} ${y})`, 'data-state': name, 'data-status': status, role: 'listitem', 'aria-label': `${name} (${type}): ${label}` },
    s('title', {}, `${name} — ${type}${graphNode.detail ? ` (${graphNode.detail})` : ''}: ${label}`),
    s('rect', { width, height, rx: 6 }),
    s('text', { x: 10, y: 18, class: 'state-name' }, name),
    s('text', { x: width - 8, y: 18, class: 'state-status', 'text-anchor': 'end' }, graphNode.inner ? `${type} · ${label}` : status === StateStatus.NotRun ? '' : label),
    graphNode.inner ? null : s('text', { x: 10, y: 36, class: 'state-detail' }, `${type}${graphNode.detail ? ` · ${graphNode.detail}` : ''}`),
  );
  let offset = 16;
  for (const inner of graphNode.inner ?? []) {
    group.appendChild(s('g', { transform: `translate(${offset} 30)`, role: 'list' }, graphContent(inner, statuses)));
    offset += inner.width + 28;
  }
  return group;
}

function graphContent(graph: StateGraph, statuses: ReadonlyMap<string, StateStatus>): Child[] {
  return [
    graph.edges.map((edge) =>
      s('path', { d: edgePath(edge), class: `edge edge-${edge.kind}${edge.back ? ' edge-back' : ''}`, 'marker-end': `url(#${MARKER_ID})` }),
    ),
    graph.edges.map(edgeLabel),
    graph.nodes.map((each) => node(each, statuses)),
  ];
}

/**
 * The state machine as SVG, each state labelled with its status in words, plus a legend. The
 * graph is described for screen readers as a list of states with their statuses.
 */
export function renderGraph(graph: StateGraph, statuses: ReadonlyMap<string, StateStatus>): HTMLElement {
  const svg = s(
    'svg',
    { class: 'graph', viewBox: `0 0 ${Math.ceil(graph.width)} ${Math.ceil(graph.height)}`, width: Math.ceil(graph.width), height: Math.ceil(graph.height), role: 'list', 'aria-label': 'States of the state machine' },
    s('defs', {}, s('marker', { id: MARKER_ID, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))),
    graphContent(graph, statuses),
  );
  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    [StateStatus.InProgress, StateStatus.Succeeded, StateStatus.Caught, StateStatus.Failed, StateStatus.Stopped, StateStatus.NotRun].map((status) =>
      h('li', {}, h('span', { class: `swatch status-${status}`, 'aria-hidden': 'true' }), StateStatusLabel[status]),
    ),
  );
  return h('div', { class: 'graph-panel' }, legend, h('div', { class: 'graph-scroll', tabindex: 0 }, svg));
}
