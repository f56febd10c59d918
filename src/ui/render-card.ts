// One Service's card as SVG markup: dagre lays out addresses → Service → EndpointSlices →
// pods (grouped in their nodes), and this draws boxes, edges and labels. Pure (no DOM), so
// the page and the tests render the same text.

import dagre from '@dagrejs/dagre';
import type { PodView, ServiceView } from './model.js';

export interface Rate {
  connectionsPerSecond: number;
  /** Both ways: payload (userspace) or IP packets, headers included (kernel modes); absent when
   *  no proxy that counted could count bytes (iptables without ipset): shown as `B/s n/a`. */
  bytesPerSecond?: number;
  /** Open now; absent as bytes. */
  open?: number;
  /** Who counted, `node (mode)`: a kernel mode counts on the client's node, userspace on the node it listens on. */
  counters: string[];
}

const W = 184;
const H = 46;

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function formatRate(r: Rate | undefined): string {
  if (!r) return '';
  const b = r.bytesPerSecond;
  const bytes = b === undefined ? ['B/s n/a'] : [b >= 1024 ? `${(b / 1024).toFixed(1)} KiB/s` : `${Math.round(b)} B/s`];
  return [`${r.connectionsPerSecond.toFixed(1)} conn/s`, ...bytes, ...(r.open ? [`${r.open} open`] : []), `by ${r.counters.join(', ')}`].join(' · ');
}

/** What a rate label means, for its tooltip. */
export const RATE_MEANING =
  'conn/s: connections opened per second to this pod; B/s: bytes per second both ways; by: the node whose proxy counted them, in its mode. ' +
  'userspace counts the payload it copies. nftables and iptables count a connection when its first packet is DNATed on the node the client is on, ' +
  "and the IP packets of the connections DNATed there, headers included, per pod address and port (a pod serving two Services' " +
  'connections on one port shows their sum in both; nftables in a counter per endpoint, iptables in an ipset element per endpoint). ' +
  'B/s n/a: that node runs iptables without ipset, and counts connections only.';

const plus = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));

/** Two counts of the same pod (two endpoints, or two nodes' proxies) together. */
export function addRates(a: Rate, b: Rate): Rate {
  const bytes = plus(a.bytesPerSecond, b.bytesPerSecond);
  const open = plus(a.open, b.open);
  return { connectionsPerSecond: a.connectionsPerSecond + b.connectionsPerSecond, ...(bytes === undefined ? {} : { bytesPerSecond: bytes }), ...(open === undefined ? {} : { open }), counters: [...new Set([...a.counters, ...b.counters])].sort() };
}

/** A pod's rate: the sum over the endpoints it backs. */
export function podRate(pod: PodView, rates: Map<string, Rate>): Rate | undefined {
  const mine = pod.endpoints.map((e) => rates.get(e)).filter((r): r is Rate => !!r);
  return mine.length ? mine.reduce(addRates) : undefined;
}

interface Box {
  kind: 'address' | 'service' | 'slice' | 'pod';
  /** What selecting it names: `Service/NAME`, `Pod/NAME`, ... */
  ref: string;
  lines: string[];
  cls: string;
}

export interface CardSvg {
  svg: string;
  width: number;
  height: number;
}

export function renderCard(v: ServiceView, rates: Map<string, Rate>): CardSvg {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const boxes = new Map<string, Box>();
  const add = (id: string, box: Box, parent?: string): void => {
    boxes.set(id, box);
    g.setNode(id, { width: W, height: H });
    if (parent) g.setParent(id, parent);
  };
  add('svc', { kind: 'service', ref: `Service/${v.name}`, lines: [`${v.type} ${v.name}`, `${v.scheduler} · affinity ${v.affinity}`], cls: v.problem ? 'svc problem' : 'svc' });
  v.addresses.forEach((a, i) => {
    add(`a${i}`, { kind: 'address', ref: `${a.kind}/${a.address}`, lines: [a.kind + (a.node ? ` on ${a.node}` : ''), a.address], cls: 'addr' });
    g.setEdge(`a${i}`, 'svc', {});
  });
  const labels = new Map<string, string>();
  /** Edges whose label is a rate. */
  const rated = new Set<string>();
  v.slices.forEach((s, i) => {
    add(`s${i}`, { kind: 'slice', ref: `EndpointSlice/${s.name}`, lines: [s.name, `${s.endpoints.length} endpoint${s.endpoints.length === 1 ? '' : 's'}`], cls: 'slice' });
    const label = v.selector ?? 'no selector';
    g.setEdge('svc', `s${i}`, { width: labelWidth(label), height: 14, labelpos: 'c' });
    labels.set(`svc>s${i}`, label);
  });
  for (const node of new Set(v.pods.map((p) => p.node))) {
    g.setNode(`n:${node}`, { label: node, paddingTop: 22 });
    boxes.set(`n:${node}`, { kind: 'pod', ref: `Node/${node}`, lines: [node || '(none)'], cls: 'node' });
  }
  v.pods.forEach((p, i) => {
    const rate = podRate(p, rates);
    add(`p${i}`, { kind: 'pod', ref: `Pod/${p.name}`, lines: [p.name, `${p.ip || 'no IP'} · ${p.state}${p.revision ? ` · ${p.revision}` : ''}`], cls: `pod ${p.state}` }, `n:${p.node}`);
    const slice = v.slices.findIndex((s) => s.endpoints.some((e) => p.endpoints.includes(e)));
    const from = slice >= 0 ? `s${slice}` : 'svc';
    const label = slice >= 0 ? formatRate(rate) : 'selected, not an endpoint';
    g.setEdge(from, `p${i}`, { width: labelWidth(label), height: 14, labelpos: 'c' });
    labels.set(`${from}>p${i}`, label);
    if (rate) rated.add(`${from}>p${i}`);
  });
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const parts: string[] = [];
  for (const id of g.nodes()) {
    if (!id.startsWith('n:')) continue;
    const n = g.node(id);
    parts.push(`<g class="node-group"><rect x="${n.x - n.width / 2}" y="${n.y - n.height / 2}" width="${n.width}" height="${n.height}" rx="8"/><text x="${n.x - n.width / 2 + 8}" y="${n.y - n.height / 2 + 15}">node ${esc(boxes.get(id)!.lines[0])}</text></g>`);
  }
  for (const e of g.edges()) {
    const edge = g.edge(e);
    const d = edge.points.map((pt: { x: number; y: number }, i: number) => `${i ? 'L' : 'M'}${pt.x.toFixed(1)},${pt.y.toFixed(1)}`).join(' ');
    const label = labels.get(`${e.v}>${e.w}`);
    const dashed = e.v === 'svc' && e.w.startsWith('p') ? ' dashed' : '';
    parts.push(`<path class="edge${dashed}" d="${d}" marker-end="url(#arrow)"/>`);
    const meaning = rated.has(`${e.v}>${e.w}`) ? `<title>${esc(RATE_MEANING)}</title>` : '';
    if (label) parts.push(`<text class="edge-label" x="${edge.x}" y="${edge.y}" text-anchor="middle">${meaning}${esc(label)}</text>`);
  }
  for (const id of g.nodes()) {
    if (id.startsWith('n:')) continue;
    const n = g.node(id);
    const b = boxes.get(id)!;
    const x = n.x - W / 2;
    const y = n.y - H / 2;
    parts.push(
      `<g class="box ${b.cls}" tabindex="0" role="button" data-ref="${esc(b.ref)}" aria-label="${esc(b.lines.join(', '))}">` +
        `<rect x="${x}" y="${y}" width="${W}" height="${H}" rx="6"/>` +
        `<text x="${x + 8}" y="${y + 18}" class="l1">${esc(clip(b.lines[0]))}</text>` +
        `<text x="${x + 8}" y="${y + 36}" class="l2">${esc(clip(b.lines[1] ?? ''))}</text></g>`,
    );
  }
  const defs = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker></defs>';
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${defs}${parts.join('')}</svg>`, width, height };
}

/** About the width of 11px text; room for a rate and the node that counted it. */
const labelWidth = (s: string): number => Math.min(s.length * 6.2, 300);

const clip = (s: string): string => (s.length > 26 ? s.slice(0, 25) + '…' : s);
