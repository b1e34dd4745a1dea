/**
 * Lays out a state machine definition (Amazon States Language) as a top-to-bottom graph, the way
 * the Step Functions console draws it: a Start and an End marker, one box per state, edges for
 * `Next`, `Choices`, `Default` and `Catch`, and Map (Parallel) states as boxes holding their own
 * states. The result is geometry only; the console's page turns it into SVG.
 *
 * No DOM and no Node APIs: this file is bundled into the console's script.
 */

/** An ASL state, as much of it as the drawing needs. */
export interface AslStateLike {
  readonly Type?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Resource?: string;
  readonly Choices?: readonly { readonly Next?: string; readonly [condition: string]: unknown }[];
  readonly Catch?: readonly { readonly Next?: string; readonly ErrorEquals?: readonly string[] }[];
  readonly ItemProcessor?: AslLike;
  readonly Iterator?: AslLike;
  readonly Branches?: readonly AslLike[];
}

/** A state machine definition (or a Map's processor), as much of it as the drawing needs. */
export interface AslLike {
  readonly StartAt: string;
  readonly States: { readonly [name: string]: AslStateLike };
}

/** How an edge leaves its state. */
export type GraphEdgeKind = 'next' | 'choice' | 'default' | 'catch';

/** A box of the drawing. `x`/`y` are its top-left corner, relative to the graph that holds it. */
export interface GraphNode {
  /** The state name, or `Start`/`End` for the markers. */
  readonly name: string;
  /** The ASL `Type`, or `Start`/`End`. */
  readonly type: string;
  /** A short description of the resource a Task calls (`ecs:runTask.waitForTaskToken`). */
  readonly detail?: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The states inside a Map or Parallel state, laid out relative to this node. */
  readonly inner?: readonly StateGraph[];
}

/** A line of the drawing: a polyline through `points`, drawn as a smooth curve. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdgeKind;
  /** The value a Choice rule compares with, or the errors a Catch takes. */
  readonly label?: string;
  /** Whether it goes back up (the agent loop): drawn around the right side. */
  readonly back: boolean;
  readonly points: readonly (readonly [number, number])[];
}

/** A laid-out graph; `width`/`height` cover every node and edge. */
export interface StateGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly width: number;
  readonly height: number;
}

const Size = {
  nodeHeight: 48,
  markerWidth: 64,
  markerHeight: 28,
  minNodeWidth: 140,
  charWidth: 7.4,
  smallCharWidth: 6.3,
  statusRoom: 88,
  rankGap: 56,
  nodeGap: 28,
  innerPadding: 16,
  innerHeader: 30,
  backLane: 22,
  waypointWidth: 8,
  margin: 12,
} as const;

interface Link {
  readonly to: string;
  readonly kind: GraphEdgeKind;
  readonly label?: string;
}

const START = 'Start';
const END = 'End';

function choiceLabel(rule: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Next' || key === 'Variable' || key === 'Comment') continue;
    if (key === 'IsPresent') return value ? 'present' : 'missing';
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  }
  return undefined;
}

function linksOf(state: AslStateLike): Link[] {
  const links: Link[] = [];
  for (const rule of state.Choices ?? []) if (rule.Next) links.push({ to: rule.Next, kind: 'choice', label: choiceLabel(rule) });
  if (state.Default) links.push({ to: state.Default, kind: 'default', label: 'otherwise' });
  if (state.Next) links.push({ to: state.Next, kind: 'next' });
  for (const handler of state.Catch ?? []) if (handler.Next) links.push({ to: handler.Next, kind: 'catch', label: (handler.ErrorEquals ?? []).join(', ') || undefined });
  return links;
}

const isTerminal = (state: AslStateLike): boolean => state.End === true || state.Type === 'Succeed' || state.Type === 'Fail';

/** `arn:aws:states:::ecs:runTask.waitForTaskToken` → `ecs:runTask.waitForTaskToken`. */
function resourceDetail(resource: string | undefined): string | undefined {
  if (!resource) return undefined;
  const service = /^arn:aws:states:::(.+)$/.exec(resource);
  if (service) return service[1];
  const lambda = /^arn:aws:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(resource);
  return lambda ? `lambda:${lambda[1]}` : resource;
}

const textWidth = (text: string): number => Math.ceil(text.length * Size.charWidth);

/**
 * Lays out a definition. `markers` adds the Start and End markers (the top level has them; the
 * states inside a Map do not).
 *
 * @example
 * const graph = layoutStateMachine(JSON.parse(describe.definition));
 * graph.nodes.map((node) => node.name); // ['Start', 'Initialize', 'RunAgent', …, 'End']
 */
export function layoutStateMachine(definition: AslLike, options: { markers?: boolean } = {}): StateGraph {
  const markers = options.markers ?? true;
  const states = definition.States ?? {};
  const names = Object.keys(states);
  const links = new Map<string, Link[]>();
  for (const name of names) {
    const own = linksOf(states[name]).filter((link) => link.to in states);
    if (markers && isTerminal(states[name])) own.push({ to: END, kind: 'next' });
    links.set(name, own);
  }
  if (markers) {
    links.set(START, [{ to: definition.StartAt, kind: 'next' }]);
    links.set(END, []);
  }
  const root = markers ? START : definition.StartAt;

  // Depth-first from the start: an edge to a state still on the stack goes back up (a loop).
  const order: string[] = [];
  const back = new Set<string>();
  const onStack = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string) => {
    seen.add(name);
    onStack.add(name);
    order.push(name);
    for (const link of links.get(name) ?? []) {
      if (onStack.has(link.to)) back.add(`${name}->${link.to}`);
      else if (!seen.has(link.to)) visit(link.to);
    }
    onStack.delete(name);
  };
  if (links.has(root)) visit(root);
  // States nothing reaches are still drawn, after the others.
  for (const name of names) if (!seen.has(name)) visit(name);
  if (markers && !seen.has(END)) visit(END);

  // Rank by the longest path over forward edges, so a state sits below everything that leads to it.
  const rank = new Map<string, number>(order.map((name) => [name, 0]));
  for (let changed = true, rounds = 0; changed && rounds < order.length + 1; rounds += 1) {
    changed = false;
    for (const name of order) {
      for (const link of links.get(name) ?? []) {
        if (back.has(`${name}->${link.to}`)) continue;
        const candidate = (rank.get(name) ?? 0) + 1;
        if (candidate > (rank.get(link.to) ?? 0)) {
          rank.set(link.to, candidate);
          changed = true;
        }
      }
    }
  }
  // End sits on the last row even when a loop makes some other state the deepest.
  if (markers) rank.set(END, Math.max(...rank.values()));

  const sized = new Map(order.map((name) => [name, sizeOf(name, name === START || name === END ? undefined : states[name])]));
  const rows: string[][] = [];
  for (const name of order) (rows[rank.get(name) ?? 0] ??= []).push(name);

  // An edge that spans several rows passes through a waypoint on each row between, which takes a
  // place in that row like a narrow state: the line then goes around the states, not through them.
  const waypoints = new Map<string, string[]>();
  const waypointRow = new Map<string, number>();
  const chainLinks = new Map<string, Link[]>(order.map((name) => [name, []]));
  for (const name of order) {
    for (const link of links.get(name) ?? []) {
      const from = rank.get(name) ?? 0;
      const to = rank.get(link.to) ?? 0;
      if (back.has(`${name}->${link.to}`) || to - from <= 1) {
        chainLinks.get(name)!.push(link);
        continue;
      }
      const chain: string[] = [];
      for (let row = from + 1; row < to; row += 1) {
        const waypoint = `\u0000${name}->${link.to}#${row}`;
        (rows[row] ??= []).push(waypoint);
        sized.set(waypoint, { name: waypoint, type: 'waypoint', width: Size.waypointWidth, height: 0 });
        chainLinks.set(waypoint, []);
        waypointRow.set(waypoint, row);
        chain.push(waypoint);
      }
      waypoints.set(`${name}->${link.to}`, chain);
      [name, ...chain].forEach((step, index) => chainLinks.get(step)!.push({ to: [...chain, link.to][index], kind: 'next' }));
    }
  }
  orderRows(rows, chainLinks, back);

  // Rows are centred on one axis, as in the Step Functions console.
  const rowWidths = rows.map((row) => (row ?? []).reduce((sum, name) => sum + sized.get(name)!.width, 0) + Math.max(0, (row ?? []).length - 1) * Size.nodeGap);
  const contentWidth = Math.max(0, ...rowWidths);
  const placed = new Map<string, GraphNode>();
  const rowBands: [number, number][] = [];
  let y = Size.margin;
  rows.forEach((row = [], index) => {
    let x = Size.margin + (contentWidth - rowWidths[index]) / 2;
    const height = Math.max(0, ...row.map((name) => sized.get(name)!.height));
    rowBands[index] = [y, y + height];
    for (const name of row) {
      const size = sized.get(name)!;
      placed.set(name, { ...size, x, y: y + (height - size.height) / 2 });
      x += size.width + Size.nodeGap;
    }
    y += height + Size.rankGap;
  });

  const edges: GraphEdge[] = [];
  let lane = Size.margin + contentWidth + Size.backLane;
  for (const name of order) {
    const source = placed.get(name)!;
    // Two rules of a Choice that lead to the same state are one line with both labels.
    const merged = new Map<string, Link>();
    for (const link of links.get(name) ?? []) {
      const earlier = merged.get(link.to);
      merged.set(link.to, earlier ? { ...earlier, label: [earlier.label, link.label].filter(Boolean).join(' / ') || undefined } : link);
    }
    for (const link of merged.values()) {
      const target = placed.get(link.to);
      if (!target) continue;
      const isBack = back.has(`${name}->${link.to}`);
      if (isBack) {
        const from: [number, number] = [source.x + source.width, source.y + source.height / 2];
        const to: [number, number] = [target.x + target.width, target.y + target.height / 2];
        edges.push({ from: name, to: link.to, kind: link.kind, label: link.label, back: true, points: [from, [lane, from[1]], [lane, to[1]], to] });
        lane += Size.backLane;
      } else {
        const through = (waypoints.get(`${name}->${link.to}`) ?? []).flatMap((waypoint) => {
          const point = placed.get(waypoint)!;
          const [top, bottom] = rowBands[waypointRow.get(waypoint)!];
          return [[point.x + point.width / 2, top], [point.x + point.width / 2, bottom]] as [number, number][];
        });
        const from: [number, number] = [source.x + source.width / 2, source.y + source.height];
        const to: [number, number] = [target.x + target.width / 2, target.y];
        edges.push({ from: name, to: link.to, kind: link.kind, label: link.label, back: false, points: [from, ...through, to] });
      }
    }
  }
  const width = back.size > 0 ? lane - Size.backLane + Size.margin : Size.margin * 2 + contentWidth;
  return { nodes: order.map((name) => placed.get(name)!), edges, width, height: y - Size.rankGap + Size.margin };
}

function sizeOf(name: string, state: AslStateLike | undefined): Omit<GraphNode, 'x' | 'y'> {
  if (!state) return { name, type: name, width: Size.markerWidth, height: Size.markerHeight };
  const detail = resourceDetail(state.Resource);
  const processors = state.ItemProcessor ?? state.Iterator ? [state.ItemProcessor ?? state.Iterator!] : (state.Branches ?? []);
  // The name and the status ("In progress") share the first line; the type and resource the second.
  const labelWidth = Math.max(textWidth(name) + Size.statusRoom, Math.ceil(`${state.Type ?? ''}${detail ? ` · ${detail}` : ''}`.length * Size.smallCharWidth) + 24);
  if (processors.length > 0) {
    const inner = processors.map((processor) => layoutStateMachine(processor, { markers: false }));
    const innerWidth = inner.reduce((sum, graph) => sum + graph.width, 0) + (inner.length - 1) * Size.nodeGap;
    const innerHeight = Math.max(...inner.map((graph) => graph.height));
    return {
      name,
      type: state.Type ?? 'Map',
      width: Math.max(textWidth(name) + Size.statusRoom + 56, innerWidth + Size.innerPadding * 2),
      height: Size.innerHeader + innerHeight + Size.innerPadding,
      inner,
    };
  }
  return { name, type: state.Type ?? 'Task', ...(detail ? { detail } : {}), width: Math.max(Size.minNodeWidth, labelWidth), height: Size.nodeHeight };
}

/** Orders each row by where its parents sit (one barycentre pass), which keeps edges from crossing. */
function orderRows(rows: string[][], links: ReadonlyMap<string, readonly Link[]>, back: ReadonlySet<string>): void {
  const position = new Map<string, number>();
  rows.forEach((row = []) => row.forEach((name, index) => position.set(name, index)));
  const parents = new Map<string, string[]>();
  for (const [name, own] of links) {
    for (const link of own) if (!back.has(`${name}->${link.to}`)) (parents.get(link.to) ?? parents.set(link.to, []).get(link.to)!).push(name);
  }
  for (const row of rows) {
    if (!row || row.length < 2) continue;
    const weight = (name: string) => {
      const own = parents.get(name) ?? [];
      return own.length === 0 ? (position.get(name) ?? 0) : own.reduce((sum, parent) => sum + (position.get(parent) ?? 0), 0) / own.length;
    };
    const original = new Map(row.map((name, index) => [name, index]));
    row.sort((a, b) => weight(a) - weight(b) || original.get(a)! - original.get(b)!);
    row.forEach((name, index) => position.set(name, index));
  }
}
