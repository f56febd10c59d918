import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { stateFromObjects } from '../../state/build-state.js';
import type { ServicePortInfo } from '../../state/types.js';
import { service, slice } from '../../../../test/proxy/objects.js';
import { TRACE_CASES, TRACE_NODE, TRACE_POD_CIDR } from '../../../../test/proxy/trace-cases.js';
import { sepChain, serviceChains } from './chain-names.js';
import { probability, renderIptables, type RenderOptions } from './render.js';
import { parseRuleset } from './ruleset.js';
import { GOLDEN, goldenPath, nodePort, webState } from '../../../../test/proxy/iptables-golden-states.js';
import { traceIptables } from '../../../../test/proxy/iptables-trace.js';

const OPTS: RenderOptions = { podCIDR: TRACE_POD_CIDR };

describe('iptables trace cases (shared with every kernel mode)', () => {
  for (const c of TRACE_CASES) {
    it(c.name, () => {
      const state = c.state();
      const got = traceIptables(renderIptables(state, OPTS), c.packet, state.nodePortIPs);
      assert.equal(got.verdict, c.expect.verdict);
      assert.deepEqual(got.endpoints, c.expect.endpoints ?? []);
      assert.equal(got.masquerade, c.expect.masquerade ?? false);
    });
  }
});

describe('chain names', () => {
  // kube-proxy's own test fixtures use these (pkg/proxy/iptables/proxier_test.go).
  const svc = { namespace: 'ns1', name: 'svc1', portName: 'p80', protocol: 'TCP' } as ServicePortInfo;
  const cases = [
    { name: 'service port chain', got: () => serviceChains(svc).cluster, want: 'KUBE-SVC-XPGD46QRK7WJZT7O' },
    { name: 'endpoint chain', got: () => sepChain(svc, { ip: '10.180.0.1', port: 80, ready: true, serving: true, terminating: false, isLocal: false }), want: 'KUBE-SEP-SXIVWICOYRO3J4NJ' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(c.got(), c.want));
});

describe('probability', () => {
  const cases: [number, string][] = [
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [6, '0.1666666667'],
    [7, '0.1428571429'],
    [10, '0.1000000000'],
  ];
  for (const [n, want] of cases) it(`1/${n}`, () => assert.equal(probability(n), want));
});

describe('golden files', () => {
  for (const g of GOLDEN) {
    it(g.name, () => {
      const text = renderIptables(g.state(), { ...OPTS, ...g.opts });
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(goldenPath(g.name), text);
      assert.equal(text, fs.readFileSync(goldenPath(g.name), 'utf8'));
    });
  }
});

describe('rendering', () => {
  it('a full sync is deterministic whatever the order objects arrive in', () => {
    const a = stateFromObjects([service('a'), service('b', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'] })], [slice('a', [{ ip: '10.244.1.3' }, { ip: '10.244.1.2' }]), slice('b', [{ ip: '10.244.1.4' }])], TRACE_NODE);
    const b = stateFromObjects([service('b', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'] }), service('a')], [slice('b', [{ ip: '10.244.1.4' }]), slice('a', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }])], TRACE_NODE);
    assert.equal(renderIptables(a, OPTS), renderIptables(b, OPTS));
  });

  it('stale service chains are flushed and deleted, foreign and live chains kept', () => {
    const g = GOLDEN.find((x) => x.name === 'stale-chains-deleted')!;
    const text = renderIptables(g.state(), { ...OPTS, ...g.opts });
    const deleted = text.split('\n').filter((l) => l.startsWith('-X ')).map((l) => l.slice(3));
    assert.deepEqual(deleted, ['KUBE-SEP-BBBBBBBBBBBBBBBB', 'KUBE-SVC-AAAAAAAAAAAAAAAA']);
    assert.ok(parseRuleset(text).get('nat')!.has(serviceChains(g.state().ports.values().next().value!.service).cluster));
  });

  it('the nodeports jump is the last rule of KUBE-SERVICES', () => {
    const text = renderIptables(webState({ ...nodePort, externalIPs: ['172.20.0.50'] }, ['10.244.1.5']), OPTS);
    const rules = parseRuleset(text).get('nat')!.get('KUBE-SERVICES')!;
    assert.equal(rules.at(-1)!.at(-1), 'KUBE-NODEPORTS');
    assert.equal(rules.length, 3);
  });

  it('IPv6 addresses of a dual-stack service are left to ip6tables', () => {
    const text = renderIptables(webState({ clusterIPs: ['10.96.0.20', 'fd00::20'], ipFamilies: ['IPv4', 'IPv6'] }, ['10.244.1.5']), OPTS);
    assert.doesNotMatch(text, /fd00/);
    assert.match(text, /-d 10\.96\.0\.20 --dport 80/);
  });

  const masq = [
    { name: 'masqueradeAll masquerades pods too', opts: { masqueradeAll: true }, masquerade: true },
    { name: 'without it pods keep their address', opts: {}, masquerade: false },
  ];
  for (const c of masq) {
    it(c.name, () => {
      const state = webState({}, ['10.244.1.5']);
      const got = traceIptables(renderIptables(state, { ...OPTS, ...c.opts }), { sourceIP: '10.244.1.9', destIP: '10.96.0.20', destPort: 80, protocol: 'TCP' }, state.nodePortIPs);
      assert.equal(got.masquerade, c.masquerade);
    });
  }
});

describe('tracer', () => {
  const base = '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n';
  const cases = [
    { name: 'refuses what the renderer never writes', text: `${base}-A KUBE-SERVICES -m owner --uid-owner 0 -j ACCEPT\nCOMMIT\n`, error: /unknown match owner/ },
    { name: 'refuses a jump to a missing chain', text: `${base}-A KUBE-SERVICES -j KUBE-SVC-NOPE\nCOMMIT\n`, error: /missing chain nat KUBE-SVC-NOPE/ },
    { name: 'refuses a rule without a target', text: `${base}-A KUBE-SERVICES -p tcp\nCOMMIT\n`, error: /without a target/ },
  ];
  for (const c of cases) {
    it(c.name, () => assert.throws(() => traceIptables(c.text, { sourceIP: '10.0.0.1', destIP: '10.0.0.2', destPort: 1, protocol: 'TCP' }, []), c.error));
  }
});
