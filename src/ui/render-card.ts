// One Service's card as SVG markup: dagre lays out addresses → Service → EndpointSlices →
// pods (grouped in their nodes), and this draws boxes, edges and labels. Pure (no DOM), so
// the page and the tests render the same text.

import dagre from '@dagrejs/dagre';
import type { PodView, ServiceView } from './model.js';

export interface Rate {
  connectionsPerSecond: number;
  bytesPerSecond: number;
  open: number;
}

const W = 184;
const H = 46;

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function formatRate(r: Rate | undefined): string {
  if (!r) return '';
  const bytes = r.bytesPerSecond >= 1024 ? `${(r.bytesPerSecond / 1024).toFixed(1)} KiB/s` : `${Math.round(r.bytesPerSecond)} B/s`;
  return `${r.connectionsPerSecond.toFixed(1)} conn/s · ${bytes}${r.open ? ` · ${r.open} open` : ''}`;
}

/** A pod's rate: the sum over the endpoints it backs. */
export function podRate(pod: PodView, rates: Map<string, Rate>): Rate | undefined {
  const mine = pod.endpoints.map((e) => rates.get(e)).filter((r): r is Rate => !!r);
  if (!mine.length) return undefined;
  return mine.reduce((a, r) => ({ connectionsPerSecond: a.connectionsPerSecond + r.connectionsPerSecond, bytesPerSecond: a.bytesPerSecond + r.bytesPerSecond, open: a.open + r.open }));
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
    if (label) parts.push(`<text class="edge-label" x="${edge.x}" y="${edge.y}" text-anchor="middle">${esc(label)}</text>`);
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

/** About the width of 11px text. */
const labelWidth = (s: string): number => Math.min(s.length * 6.2, 220);

const clip = (s: string): string => (s.length > 26 ? s.slice(0, 25) + '…' : s);
