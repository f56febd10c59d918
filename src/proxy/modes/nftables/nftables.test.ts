import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { stateFromObjects } from '../../state/build-state.js';
import type { ProxyState } from '../../state/types.js';
import { manyServices, withoutService, withService } from '../../../../test/proxy/many-services.js';
import { service, slice } from '../../../../test/proxy/objects.js';
import { TRACE_CASES, TRACE_NODE, TRACE_POD_CIDR, type TracePacket } from '../../../../test/proxy/trace-cases.js';
import { renderNftables } from './render.js';
import { renderNftablesChange, TableSync } from './table-sync.js';
import { traceNftables } from '../../../../test/proxy/nftables-trace.js';
import { dualStackState, DS_NODE, DS_POD_CIDR6, slice6 } from '../../../../test/proxy/dual-stack-state.js';
import { IPV6 } from '../../state/family.js';
import type { BuildOptions } from './build.js';

const OPTS = { podCIDR: TRACE_POD_CIDR };
const TRACE_OPTS = { localAddresses: TRACE_NODE.nodePortIPs };
const goldenPath = (name: string): string => new URL(`./testdata/${name}.nft`, import.meta.url).pathname;

const ip = (a: string) => ({ clusterIP: a, clusterIPs: [a] });
const lb = (a: string) => ({ status: { loadBalancer: { ingress: [{ ip: a }] } } });

/** A bit of everything: the states of the golden files (also loaded into a real nft by nft-netns.test.ts). */
const GOLDEN: { name: string; state: () => ProxyState; opts?: Partial<BuildOptions> }[] = [
  {
    name: 'cluster-ip',
    state: () =>
      stateFromObjects(
        [
          service('web', ip('10.96.0.20')),
          service('kube-dns', { ...ip('10.96.0.10'), ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 }] }, undefined, 'kube-system'),
        ],
        [
          slice('web', [{ ip: '10.244.2.5', node: 'node-2' }, { ip: '10.244.1.5' }, { ip: '10.244.1.6', ready: false }]),
          slice('kube-dns', [{ ip: '10.244.1.2' }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }], 'kube-dns-abc', 'kube-system'),
        ],
        TRACE_NODE,
      ),
  },
  {
    name: 'external-local',
    state: () =>
      stateFromObjects(
        [{ ...service('shop', { ...ip('10.96.0.30'), type: 'LoadBalancer', externalTrafficPolicy: 'Local', externalIPs: ['172.20.0.50'], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] }), ...lb('172.20.0.200') }],
        [slice('shop', [{ ip: '10.244.1.5' }, { ip: '10.244.2.5', node: 'node-2' }])],
        TRACE_NODE,
      ),
  },
  {
    name: 'mixed',
    opts: { masqueradeAll: true },
    state: () =>
      stateFromObjects(
        [
          service('sticky', { ...ip('10.96.0.40'), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } }),
          service('empty', { ...ip('10.96.0.41'), type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30081 }] }),
          service('elsewhere', { ...ip('10.96.0.42'), internalTrafficPolicy: 'Local' }),
        ],
        [slice('sticky', [{ ip: '10.244.1.7' }, { ip: '10.244.2.7', node: 'node-2' }]), slice('empty', []), slice('elsewhere', [{ ip: '10.244.2.8', node: 'node-2' }])],
        TRACE_NODE,
      ),
  },
  // The ip6 table of a dual-stack node: only the IPv6 half of each Service.
  { name: 'dual-stack-ip6', opts: { family: IPV6, podCIDR: DS_POD_CIDR6 }, state: dualStackState },
  // And its ip table: the same state, the IPv4 half.
  { name: 'dual-stack-ip', state: dualStackState },
];

describe('packet tracer: the shared cases', () => {
  for (const c of TRACE_CASES) {
    it(c.name, () => {
      const r = traceNftables(renderNftables(c.state(), OPTS), c.packet, TRACE_OPTS);
      assert.equal(r.verdict, c.expect.verdict);
      assert.deepEqual(r.endpoints, c.expect.endpoints ?? []);
      if (c.expect.masquerade !== undefined) assert.equal(r.masquerade, c.expect.masquerade);
      // Every connection DNATed is counted once, in the counter of the endpoint it went to, and
      // its packets' bytes in that endpoint's byte counter.
      for (const p of r.paths) {
        const [ip, port] = p.endpoint?.split(':') ?? [];
        const want = p.endpoint ? [`endpoint ${ip}/${port}`, `bytes-${ip}/${c.packet.protocol.toLowerCase()}/${port}`] : [];
        assert.deepEqual(p.counted.map((name) => (name.startsWith('endpoint-') ? `endpoint ${name.split('__')[1]}` : name)), want, `${p.endpoint ?? p.verdict}: ${p.counted}`);
      }
    });
  }
});

describe('packet tracer: this mode', () => {
  const sticky = GOLDEN.find((g) => g.name === 'mixed')!;
  const fromPod = (destIP: string, sourceIP = '10.244.1.9'): TracePacket => ({ sourceIP, destIP, destPort: 80, protocol: 'TCP' });

  it('masqueradeAll masquerades pod traffic to a ClusterIP', () => {
    const text = renderNftables(sticky.state(), { ...OPTS, masqueradeAll: true });
    assert.equal(traceNftables(text, fromPod('10.96.0.40'), TRACE_OPTS).masquerade, true);
    assert.equal(traceNftables(renderNftables(sticky.state(), OPTS), fromPod('10.96.0.40'), TRACE_OPTS).masquerade, false);
  });

  it('ClientIP affinity: a remembered client keeps its endpoint, another may go anywhere', () => {
    const text = renderNftables(sticky.state(), OPTS);
    const first = traceNftables(text, fromPod('10.96.0.40'), TRACE_OPTS);
    const path = first.paths.find((p) => p.endpoint === '10.244.2.7:8080')!;
    assert.equal(path.updates.length, 1, 'the endpoint chain remembers the client');
    const remembered = new Map([[path.updates[0]!, new Set(['10.244.1.9'])]]);
    assert.deepEqual(traceNftables(text, fromPod('10.96.0.40'), { ...TRACE_OPTS, remembered }).endpoints, ['10.244.2.7:8080']);
    assert.deepEqual(traceNftables(text, fromPod('10.96.0.40', '10.244.1.10'), { ...TRACE_OPTS, remembered }).endpoints, ['10.244.1.7:8080', '10.244.2.7:8080']);
  });

  it('a statement the tracer does not know is an error', () => {
    const text = renderNftables(sticky.state(), OPTS).replace('reject\n', 'queue num 3\n');
    assert.throws(() => traceNftables(text, fromPod('10.96.0.41'), TRACE_OPTS), /cannot interpret "queue num 3"/);
  });
});

describe('golden files', () => {
  for (const g of GOLDEN) {
    it(g.name, () => {
      const text = renderNftables(g.state(), { ...OPTS, ...g.opts });
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(goldenPath(g.name), text);
      assert.equal(text, fs.readFileSync(goldenPath(g.name), 'utf8'));
    });
  }
});

describe('rendering', () => {
  const svcs = [service('a', ip('10.96.0.50')), service('b', ip('10.96.0.51'))];
  const slices = [slice('a', [{ ip: '10.244.1.3' }, { ip: '10.244.1.2' }]), slice('b', [{ ip: '10.244.1.4' }])];

  it('is deterministic whatever order objects arrive in', () => {
    const a = stateFromObjects(svcs, slices, TRACE_NODE);
    const b = stateFromObjects([...svcs].reverse(), [...slices].reverse(), TRACE_NODE);
    assert.equal(renderNftables(a, OPTS), renderNftables(b, OPTS));
  });

  it('a full sync reusing the parts of unchanged service ports equals a fresh render', () => {
    const a = stateFromObjects(svcs, slices, TRACE_NODE);
    const [keyA, spA] = [...a.ports][0]!;
    const [keyB, spB] = [...a.ports][1]!;
    const b = { ...a, ports: new Map([[keyA, spA], [keyB, { ...spB, endpoints: [] }]]) };
    const table = new TableSync(OPTS);
    table.full(a);
    assert.equal(table.full(b), renderNftables(b, OPTS));
  });

  it('a dual-stack service: IPv6 addresses and endpoints stay out of the IPv4 table', () => {
    const dual = stateFromObjects(
      [service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00::20'], ipFamilies: ['IPv4', 'IPv6'] })],
      [slice('web', [{ ip: 'fd00::5' }], undefined, 'web-v6'), slice('web', [{ ip: '10.244.1.5' }], undefined, 'web-v4')],
      { ...TRACE_NODE, nodePortIPs: [...TRACE_NODE.nodePortIPs, 'fd00::1'] },
    );
    const text = renderNftables(dual, OPTS);
    assert.doesNotMatch(text, /fd00/);
    assert.deepEqual(traceNftables(text, { sourceIP: '10.244.1.9', destIP: '10.96.0.20', destPort: 80, protocol: 'TCP' }, TRACE_OPTS).endpoints, ['10.244.1.5:8080']);
    const v6only = stateFromObjects([service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00::20'] })], [slice('web', [{ ip: 'fd00::5' }])], TRACE_NODE);
    assert.equal(traceNftables(renderNftables(v6only, OPTS), { sourceIP: '10.244.1.9', destIP: '10.96.0.20', destPort: 80, protocol: 'TCP' }, TRACE_OPTS).verdict, 'reject');
  });

  it('the table name is an option', () => {
    assert.match(renderNftables(stateFromObjects(svcs, slices, TRACE_NODE), { ...OPTS, table: 'other' }), /^add table ip other\ndelete table ip other\ntable ip other \{/);
  });
});

describe('change sync', () => {
  const base = [service('a', ip('10.96.0.50'))];
  const baseSlices = [slice('a', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }])];
  const state = (svcs = base, slices = baseSlices) => stateFromObjects(svcs, slices, TRACE_NODE);
  const cases: { name: string; next: () => ProxyState; has: RegExp[]; hasNot: RegExp[] }[] = [
    { name: 'nothing changed: nothing to send', next: () => state(), has: [/^$/], hasNot: [/./] },
    {
      name: 'a new service: its chains and elements only',
      next: () => state([...base, service('b', ip('10.96.0.51'))], [...baseSlices, slice('b', [{ ip: '10.244.1.4' }])]),
      has: [/^add chain ip tinykube service-\w+-default\/b\/tcp\/http$/m, /^add element ip tinykube service-ips \{ 10\.96\.0\.51 \. tcp \. 80 : goto service-\w+-default\/b\/tcp\/http \}$/m],
      hasNot: [/table/, /default\/a\//, /^delete/m],
    },
    {
      name: 'an endpoint leaves: the service chain is rewritten, its hairpin element goes',
      next: () => state(base, [slice('a', [{ ip: '10.244.1.2' }])]),
      has: [/^flush chain ip tinykube service-\w+-default\/a\/tcp\/http$/m, /^delete element ip tinykube hairpin-endpoints \{ 10\.244\.1\.3 \. 10\.244\.1\.3 \}$/m],
      hasNot: [/table/, /service-ips/, /chain ip tinykube endpoint-/],
    },
    {
      name: 'the last endpoint leaves: the address moves to no-endpoint-services',
      next: () => state(base, [slice('a', [])]),
      has: [/^delete element ip tinykube service-ips \{ 10\.96\.0\.50 \. tcp \. 80 \}$/m, /^add element ip tinykube no-endpoint-services \{ 10\.96\.0\.50 \. tcp \. 80 : goto reject-chain \}$/m],
      hasNot: [/table/],
    },
    {
      name: 'affinity timeout changes: a full sync re-creates the sets',
      next: () => state([service('a', { ...ip('10.96.0.50'), sessionAffinity: 'ClientIP' })]),
      has: [/^add set ip tinykube affinity-\w+-default\/a\/tcp\/http__10\.244\.1\.2\/8080 \{ type ipv4_addr; flags dynamic,timeout; timeout 10800s; \}$/m],
      hasNot: [/table/],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = renderNftablesChange(state(), c.next(), OPTS);
      for (const re of c.has) assert.match(text, re);
      for (const re of c.hasNot) assert.doesNotMatch(text, re);
    });
  }

  it('with affinity, a leaving endpoint takes its chain and set, the others keep theirs', () => {
    const sticky = (ips: string[]) => state([service('a', { ...ip('10.96.0.50'), sessionAffinity: 'ClientIP' })], [slice('a', ips.map((x) => ({ ip: x })))]);
    const text = renderNftablesChange(sticky(['10.244.1.2', '10.244.1.3']), sticky(['10.244.1.2']), OPTS);
    assert.match(text, /^delete chain ip tinykube endpoint-\w+-default\/a\/tcp\/http__10\.244\.1\.3\/8080$/m);
    assert.match(text, /^delete set ip tinykube affinity-\w+-default\/a\/tcp\/http__10\.244\.1\.3\/8080$/m);
    assert.doesNotMatch(text, /(chain|set) ip tinykube \S+10\.244\.1\.2\/8080/);
  });

  it('a changed affinity timeout falls back to the full text', () => {
    const sticky = (timeoutSeconds: number) => state([service('a', { ...ip('10.96.0.50'), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds } } })]);
    assert.equal(renderNftablesChange(sticky(60), sticky(120), OPTS), renderNftables(sticky(120), OPTS));
  });
});

describe('change sync of the ip6 table (dual-stack)', () => {
  const OPTS6 = { podCIDR: DS_POD_CIDR6, family: IPV6 };
  const dual = (v6Endpoints: string[]) =>
    stateFromObjects(
      [service('a', { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:10:96::50'] }), service('b', ip('10.96.0.51'))],
      [slice('a', [{ ip: '10.244.1.2' }]), slice6('a', v6Endpoints.map((x) => ({ ip: x }))), slice('b', [{ ip: '10.244.1.4' }])],
      DS_NODE,
    );

  it('an IPv6 endpoint leaving rewrites only that chain of the ip6 table', () => {
    const text = renderNftablesChange(dual(['fd00:10:244:1::2', 'fd00:10:244:1::3']), dual(['fd00:10:244:1::2']), OPTS6);
    assert.match(text, /^flush chain ip6 tinykube service-\w+-default\/a\/tcp\/http$/m);
    assert.match(text, /^add rule ip6 tinykube service-\w+-default\/a\/tcp\/http meta l4proto tcp counter name endpoint-\w+-default\/a\/tcp\/http__fd00\.10\.244\.1\.\.2\/8080 dnat to \[fd00:10:244:1::2\]:8080$/m);
    assert.match(text, /^delete counter ip6 tinykube endpoint-\w+-default\/a\/tcp\/http__fd00\.10\.244\.1\.\.3\/8080$/m);
    assert.match(text, /^delete element ip6 tinykube hairpin-endpoints \{ fd00:10:244:1::3 \. fd00:10:244:1::3 \}$/m);
    assert.doesNotMatch(text, /table|[^.\w]10\.244|default\/b\//); // (an IPv6 counter's name holds `fd00.10.244`)
  });

  it('the last IPv6 endpoint leaving rejects on the IPv6 ClusterIP; the ip table sees no change', () => {
    const before = dual(['fd00:10:244:1::2']);
    const after = dual([]);
    assert.match(renderNftablesChange(before, after, OPTS6), /^add element ip6 tinykube no-endpoint-services \{ fd00:10:96::50 \. tcp \. 80 : goto reject-chain \}$/m);
    assert.equal(renderNftablesChange(before, after, OPTS), '');
  });

  it('a single-stack IPv4 Service puts nothing in the ip6 table', () => {
    assert.doesNotMatch(renderNftables(dual([]), OPTS6), /10\.96\.0\.51|default\/b\//);
  });
});

describe('change sync next to many Services', () => {
  const many = manyServices(200, (i) => 2 + (i % 9), TRACE_NODE);
  const cases: { name: string; next: () => ProxyState; mentions: RegExp }[] = [
    { name: 'a Service added', next: () => withService(many, 200, 3), mentions: /default\/svc-200\/|10\.96\.0\.200 |10\.200\.12\.(12[89]|130)\b/ },
    { name: 'endpoints changed', next: () => withService(many, 7, 4), mentions: /default\/svc-7\/|10\.200\.0\.1(1[2-9]|20)\b/ }, // svc-7: endpoints .112–.120
    { name: 'a Service deleted', next: () => withoutService(many, 7), mentions: /default\/svc-7\/|10\.96\.0\.7 |10\.200\.0\.1(1[2-9]|20)\b/ }, // svc-7: endpoints .112–.120
  ];
  for (const c of cases) {
    it(`${c.name}: the text touches that Service only, and the table then renders as a fresh full sync`, () => {
      const table = new TableSync(OPTS);
      table.full(many);
      const text = table.change(c.next());
      const lines = text.trim().split('\n');
      assert.ok(lines.length > 0 && lines.length < 30, text); // two counters per endpoint of svc-7 (9)
      for (const l of lines) assert.match(l, c.mentions);
      assert.doesNotMatch(text, /table ip/);
      // What the change sync kept (parts, element holders) gives the same full text as a fresh render.
      assert.equal(table.full(c.next()), renderNftables(c.next(), OPTS));
    });
  }

  it('an endpoint shared by two Services stays in @hairpin-endpoints, and keeps its byte counter, until both let it go', () => {
    const two = (eps: string[][]) => stateFromObjects([service('a', ip('10.96.0.50')), service('b', ip('10.96.0.51'))], [slice('a', eps[0]!.map((x) => ({ ip: x }))), slice('b', eps[1]!.map((x) => ({ ip: x })))], TRACE_NODE);
    const table = new TableSync(OPTS);
    assert.equal(table.full(two([['10.244.1.2'], ['10.244.1.2']])).match(/^\tcounter bytes-10\.244\.1\.2\/tcp\/8080 \{$/gm)?.length, 1);
    assert.doesNotMatch(table.change(two([[], ['10.244.1.2']])), /hairpin|bytes/);
    const last = table.change(two([[], []]));
    assert.match(last, /^delete element ip tinykube hairpin-endpoints \{ 10\.244\.1\.2 \. 10\.244\.1\.2 \}$/m);
    assert.match(last, /^delete element ip tinykube endpoint-bytes \{ 10\.244\.1\.2 \. tcp \. 8080 \}$/m);
    assert.match(last, /^delete counter ip tinykube bytes-10\.244\.1\.2\/tcp\/8080$/m);
    assert.match(table.change(two([['10.244.1.2'], []])), /^add counter ip tinykube bytes-10\.244\.1\.2\/tcp\/8080\n(.*\n)*add element ip tinykube endpoint-bytes \{ 10\.244\.1\.2 \. tcp \. 8080 : "bytes-10\.244\.1\.2\/tcp\/8080" \}$/m);
  });
});
