// The page: sign in with a token, watch the namespace's Services, EndpointSlices, Pods and
// Events (and the cluster's Nodes), read the traffic stream, and draw one card per Service —
// only the cards on screen, so a namespace of a thousand Services stays quick.

import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import type { Node } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import type { KubeObject } from '../apis/types.js';
import type { ExplainView, ObjectChange, TrafficEvent } from '../cli/dashboard/wire.js';
import { Api, Unauthorized } from './api.js';
import { serviceView, type ServiceView } from './model.js';
import { addRates, esc, RATE_MEANING, renderCard, type Rate } from './render-card.js';
import { highlightExplain } from './highlight.js';

interface KubeEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const TOKEN_KEY = 'tinykube-token';

const state = {
  /** ?namespace=NS in the page's URL picks the first one shown. */
  namespace: new URLSearchParams(location.search).get('namespace') ?? 'default',
  filter: '',
  services: new Map<string, Service>(),
  slices: new Map<string, EndpointSlice>(),
  pods: new Map<string, Pod>(),
  nodes: new Map<string, Node>(),
  namespaces: new Map<string, KubeObject>(),
  events: new Map<string, KubeEvent>(),
  /** `namespace/name` → endpoint → rate. */
  rates: new Map<string, Map<string, Rate>>(),
  selected: undefined as string | undefined,
  visible: new Set<string>(),
};

let api: Api;
let nsWatch: AbortController | undefined;
const cards = new Map<string, HTMLElement>();

function signIn(message = ''): void {
  sessionStorage.removeItem(TOKEN_KEY);
  nsWatch?.abort();
  $('login').hidden = false;
  $('cards').hidden = true;
  $('panel').hidden = true;
  $('status').textContent = 'not signed in';
  $('login-error').textContent = message;
}

$('legend').title = RATE_MEANING;

async function start(token: string): Promise<void> {
  api = new Api(token);
  try {
    await api.get('/api/v1/namespaces?limit=1');
  } catch (e) {
    return signIn(e instanceof Unauthorized ? 'That token was not accepted (401 Unauthorized).' : String(e));
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('login').hidden = true;
  $('cards').hidden = false;
  $('panel').hidden = false;
  for (const id of ['namespace', 'filter']) ($(id) as HTMLInputElement).disabled = false;
  watchNamespace();
}

type Collection = 'namespaces' | 'nodes' | 'services' | 'slices' | 'pods' | 'events';

/** One stream for everything shown: a namespace change starts another. */
function watchNamespace(): void {
  nsWatch?.abort();
  nsWatch = new AbortController();
  const collections: Collection[] = ['namespaces', 'nodes', 'services', 'slices', 'pods', 'events'];
  const clear = (kinds: Collection[]): void => kinds.forEach((k) => state[k].clear());
  clear(collections);
  const onEvent = (event: string, data: unknown): void => {
    if (event === 'traffic') return onTraffic(data as TrafficEvent);
    if (event === 'reset') clear([(data as { kind: Collection }).kind]);
    if (event === 'changes') {
      for (const c of data as ObjectChange[]) {
        const key = `${c.object.metadata.namespace ?? ''}/${c.object.metadata.name}`;
        const m = state[c.kind] as Map<string, unknown>;
        if (c.type === 'DELETED') m.delete(key);
        else m.set(key, c.object);
      }
    }
    fillNamespaces([...state.namespaces.values()].map((n) => n.metadata.name!));
    schedule();
  };
  api
    .events(`/ui/api/stream?namespace=${encodeURIComponent(state.namespace)}`, onEvent, nsWatch.signal, () => clear(collections))
    .catch((e: unknown) => void (e instanceof Unauthorized && signIn('The token is no longer accepted.')));
  schedule();
}

function fillNamespaces(names: string[]): void {
  const select = $<HTMLSelectElement>('namespace');
  const want = names.sort().join(',');
  if (select.dataset.names === want) return;
  select.dataset.names = want;
  select.innerHTML = names.map((n) => `<option${n === state.namespace ? ' selected' : ''}>${esc(n)}</option>`).join('');
}

function onTraffic(ev: TrafficEvent): void {
  const rates = new Map<string, Map<string, Rate>>();
  const modes = new Map(ev.nodes.map((n) => [n.node, n.mode]));
  for (const e of ev.endpoints) {
    const key = `${e.namespace}/${e.name}`;
    const m = rates.get(key) ?? new Map<string, Rate>();
    const counted: Rate = { ...e, counters: [`${e.node} (${modes.get(e.node) ?? '?'})`] };
    const r = m.get(e.endpoint);
    m.set(e.endpoint, r ? addRates(r, counted) : counted);
    rates.set(key, m);
  }
  state.rates = rates;
  $('status').dataset.traffic = ev.nodes.map((n) => (n.error ? `${n.node}: unreachable` : `${n.node}: ${n.mode}`)).join(', ');
  schedule();
}

let pending = false;
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

const observer = new IntersectionObserver(
  (entries) => {
    for (const e of entries) {
      const name = (e.target as HTMLElement).dataset.service!;
      if (e.isIntersecting) state.visible.add(name);
      else state.visible.delete(name);
    }
    schedule();
  },
  { rootMargin: '300px' },
);

function viewOf(svc: Service): ServiceView {
  return serviceView(svc, { slices: [...state.slices.values()], pods: [...state.pods.values()], nodes: [...state.nodes.values()] });
}

function render(): void {
  const names = [...state.services.values()]
    .map((s) => s.metadata.name!)
    .filter((n) => n.includes(state.filter))
    .sort();
  const shown = new Set(names);
  const list = $('cards');
  for (const [name, el] of cards) {
    if (shown.has(name)) continue;
    observer.unobserve(el);
    el.remove();
    cards.delete(name);
    state.visible.delete(name);
  }
  let before: Element | null = list.firstElementChild;
  for (const name of names) {
    let el = cards.get(name);
    if (!el) {
      el = document.createElement('article');
      el.className = 'card';
      el.dataset.service = name;
      el.id = `svc-${name}`;
      el.innerHTML = `<h2>${esc(name)}</h2>`;
      cards.set(name, el);
      observer.observe(el);
    }
    if (el !== before) list.insertBefore(el, before);
    before = el.nextElementSibling;
  }
  for (const name of state.visible) {
    const svc = state.services.get(`${state.namespace}/${name}`);
    const el = cards.get(name);
    if (!svc || !el) continue;
    const v = viewOf(svc);
    const card = renderCard(v, state.rates.get(`${state.namespace}/${name}`) ?? new Map());
    const header = `<h2>${esc(name)} <span class="meta">${esc(v.type)} · ${esc(v.ports.join(', '))}${v.selector ? ` · selector ${esc(v.selector)}` : ''}</span>${v.problem ? `<span class="problem">⚠ ${esc(v.problem)}</span>` : ''}</h2>`;
    const html = `${header}<div class="graph">${card.svg}</div>`;
    if (el.dataset.html !== html) {
      el.dataset.html = html;
      el.innerHTML = html;
      if (state.selected) el.querySelectorAll(`[data-ref="${CSS.escape(state.selected)}"]`).forEach((b) => b.classList.add('selected'));
    }
  }
  $('status').textContent = `${names.length} Service${names.length === 1 ? '' : 's'} in ${state.namespace} · live${$('status').dataset.traffic ? ` · proxies ${$('status').dataset.traffic}` : ''}`;
  renderPanel();
}

function renderPanel(): void {
  const sel = state.selected;
  $('selected').textContent = sel ?? 'Select a box (click, or Tab then Enter)';
  const [kind, ...rest] = (sel ?? '').split('/');
  const name = rest.join('/');
  const events = [...state.events.values()]
    .filter((e) => sel && e.involvedObject?.kind === kind && e.involvedObject?.name === name)
    .sort((a, b) => (a.lastTimestamp ?? a.eventTime ?? '').localeCompare(b.lastTimestamp ?? b.eventTime ?? ''));
  const html = sel ? (events.length ? events.map((e) => `<li class="${esc(e.type ?? '')}">${esc(e.reason ?? '')}: ${esc(e.message ?? '')}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ''}</li>`).join('') : '<li>no events</li>') : '';
  if ($('events').innerHTML !== html) $('events').innerHTML = html;
  fillExplainForm();
}

function fillExplainForm(): void {
  const services = [...state.services.values()].map((s) => s.metadata.name!).sort();
  const svcSelect = $<HTMLSelectElement>('explain-service');
  const [kind, name] = (state.selected ?? '').split('/');
  const current = kind === 'Service' ? name : svcSelect.value || services[0];
  setOptions(svcSelect, services.map((s) => [s, s]), current);
  const pods = [...state.pods.values()].map((p) => p.metadata.name!).sort();
  const nodes = [...state.nodes.values()].map((n) => n.metadata.name!).sort();
  setOptions($('explain-from'), [['outside', 'the outside client'], ...nodes.map((n): [string, string] => [`node/${n}`, `node ${n}`]), ...pods.map((p): [string, string] => [`pod/${p}`, `pod ${p}`])]);
  const svc = state.services.get(`${state.namespace}/${svcSelect.value}`);
  const addresses = svc ? viewOf(svc).addresses.map((a): [string, string] => [a.address, `${a.kind} ${a.address}`]) : [];
  setOptions($('explain-address'), addresses);
}

function setOptions(select: HTMLSelectElement, options: [string, string][], value = select.value): void {
  const key = options.map((o) => o.join('=')).join('|');
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.innerHTML = options.map(([v, label]) => `<option value="${esc(v)}">${esc(label)}</option>`).join('');
  }
  if (value && options.some(([v]) => v === value)) select.value = value;
}

async function explain(): Promise<void> {
  const service = $<HTMLSelectElement>('explain-service').value;
  const from = $<HTMLSelectElement>('explain-from').value;
  const address = $<HTMLSelectElement>('explain-address').value;
  const out = $('explain-out');
  out.textContent = 'asking…';
  try {
    const q = new URLSearchParams({ namespace: state.namespace, service, from });
    const v = await api.get<ExplainView>(`/ui/api/explain?${q}`);
    const pre = (text: string): string => `<pre>${highlightExplain(text, address).map((l) => (l.cls ? `<span class="${l.cls}">${esc(l.text)}</span>` : esc(l.text) + '\n')).join('')}</pre>`;
    out.innerHTML =
      `<p>${esc(v.client)}. Proxy on node <b>${esc(v.node)}</b>, ${esc(v.mode)} mode.</p>` +
      pre(v.words) +
      (v.rules ? `<h3>Rules</h3>${pre(v.rules)}` : '') +
      `<h3>DNS</h3><ul>${v.dns.map((d) => `<li><code>${esc(d)}</code></li>`).join('')}</ul>`;
  } catch (e) {
    out.textContent = String(e instanceof Error ? e.message : e);
  }
}

function select(ref: string | undefined): void {
  state.selected = ref;
  document.querySelectorAll('.box.selected').forEach((b) => b.classList.remove('selected'));
  if (ref) document.querySelectorAll(`[data-ref="${CSS.escape(ref)}"]`).forEach((b) => b.classList.add('selected'));
  renderPanel();
}

$('cards').addEventListener('click', (e) => {
  const box = (e.target as Element).closest<SVGElement>('.box');
  if (box) select(box.dataset.ref);
});
$('cards').addEventListener('keydown', (e) => {
  const box = (e.target as Element).closest<SVGElement>('.box');
  if (box && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault();
    select(box.dataset.ref);
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
    e.preventDefault();
    $('filter').focus();
  }
  if (e.key === 'Escape') select(undefined);
});
$('namespace').addEventListener('change', (e) => {
  state.namespace = (e.target as HTMLSelectElement).value;
  state.selected = undefined;
  watchNamespace();
});
$('filter').addEventListener('input', (e) => {
  state.filter = (e.target as HTMLInputElement).value.trim();
  schedule();
});
$('explain-service').addEventListener('change', () => fillExplainForm());
$('explain-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void explain();
});
$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void start($<HTMLInputElement>('token').value.trim());
});

// A token in the URL's fragment (never sent to the server) signs in and is then removed.
function tokenFromHash(): string | null {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) history.replaceState(null, '', location.pathname);
  return token;
}
window.addEventListener('hashchange', () => {
  const token = tokenFromHash();
  if (token) void start(token);
});
const saved = tokenFromHash() ?? sessionStorage.getItem(TOKEN_KEY);
if (saved) void start(saved);
else signIn();
