import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../apis/core/service/types.js';
import { stateFromObjects } from '../state/build-state.js';
import { service, slice, type EndpointBrief } from '../../../test/proxy/objects.js';
import type { ProxyState } from '../state/types.js';
import { conntrackArgs, matchesEntry, parseConntrackList, planConntrackCleanup } from './plan.js';

const node = { nodeName: 'node-1', nodePortIPs: ['172.20.0.11'] };
const UDP = { ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] };
const dnsSpec = (extra: Partial<Service['spec']> = {}): Partial<Service['spec']> => ({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ...UDP, ...extra });
const dnsSlice = (eps: EndpointBrief[]) => slice('dns', eps, [{ name: 'dns', port: 5353, protocol: 'UDP' }]);
const state = (spec: Partial<Service['spec']> | undefined, eps: EndpointBrief[]): ProxyState =>
  stateFromObjects(spec ? [service('dns', spec)] : [], spec ? [dnsSlice(eps)] : [], node);
const commands = (prev: ProxyState, next: ProxyState): string[] => planConntrackCleanup(prev, next).map((d) => conntrackArgs(d).join(' '));

describe('planConntrackCleanup (kube-proxy stale UDP entries)', () => {
  const a = { ip: '10.244.1.5' };
  const b = { ip: '10.244.2.5' };
  const cases: { name: string; prev: ProxyState; next: ProxyState; want: string[] }[] = [
    { name: 'nothing changed', prev: state(dnsSpec(), [a, b]), next: state(dnsSpec(), [a, b]), want: [] },
    {
      name: 'an endpoint left: entries to each frontend answered by it',
      prev: state(dnsSpec({ type: 'LoadBalancer', ports: [{ name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 }], externalIPs: ['172.20.0.100'] }), [a, b]),
      next: state(dnsSpec({ type: 'LoadBalancer', ports: [{ name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 }], externalIPs: ['172.20.0.100'] }), [a]),
      want: [
        'conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.2.5',
        'conntrack -D -p udp --orig-dst 172.20.0.100 --orig-port-dst 53 --reply-src 10.244.2.5',
        'conntrack -D -p udp --orig-port-dst 30053 --reply-src 10.244.2.5',
      ],
    },
    {
      name: 'an endpoint stopped serving (terminating, not serving) counts as gone',
      prev: state(dnsSpec(), [a, b]),
      next: state(dnsSpec(), [a, { ...b, ready: false, serving: false, terminating: true }]),
      want: ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.2.5'],
    },
    {
      name: 'a not-serving endpoint that leaves had no traffic: nothing',
      prev: state(dnsSpec(), [a, { ...b, ready: false, serving: false }]),
      next: state(dnsSpec(), [a]),
      want: [],
    },
    {
      name: 'first endpoint of a service: every entry to its frontends',
      prev: state(dnsSpec({ type: 'NodePort', ports: [{ name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 }] }), []),
      next: state(dnsSpec({ type: 'NodePort', ports: [{ name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 }] }), [a]),
      want: ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53', 'conntrack -D -p udp --orig-port-dst 30053'],
    },
    { name: 'a new service with endpoints is newly active', prev: state(undefined, []), next: state(dnsSpec(), [a]), want: ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53'] },
    { name: 'a deleted service: every entry to its VIP', prev: state(dnsSpec(), [a]), next: state(undefined, []), want: ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53'] },
    {
      name: 'an external IP removed: entries to it, the rest kept',
      prev: state(dnsSpec({ externalIPs: ['172.20.0.100'] }), [a]),
      next: state(dnsSpec(), [a]),
      want: ['conntrack -D -p udp --orig-dst 172.20.0.100 --orig-port-dst 53'],
    },
    {
      name: 'TCP services are left alone',
      prev: state(dnsSpec({ ports: [{ name: 'dns', protocol: 'TCP', port: 53 }] }), [a, b]),
      next: state(undefined, []),
      want: [],
    },
    {
      name: 'IPv6 addresses ask conntrack for the ipv6 family',
      prev: state({ clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ipFamilies: ['IPv6'], ...UDP }, [{ ip: 'fd00:244::5' }, { ip: 'fd00:244::6' }]),
      next: state({ clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ipFamilies: ['IPv6'], ...UDP }, [{ ip: 'fd00:244::5' }]),
      want: ['conntrack -D -f ipv6 -p udp --orig-dst fd00::10 --orig-port-dst 53 --reply-src fd00:244::6'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(commands(c.prev, c.next), c.want));
});

describe('parseConntrackList + matchesEntry', () => {
  const listing = [
    'udp      17 27 src=172.20.0.2 dst=10.96.0.10 sport=40053 dport=53 src=10.244.1.5 dst=172.20.0.11 sport=5353 dport=40053 mark=0 use=1',
    'udp      17 29 src=172.20.0.2 dst=172.20.0.11 sport=40054 dport=30053 [UNREPLIED] src=10.244.1.6 dst=172.20.0.2 sport=5353 dport=40054 mark=0 use=1',
    '',
  ].join('\n');
  const entries = parseConntrackList(listing);
  it('reads the original destination, its port and the reply source', () => {
    assert.deepEqual(entries, [
      { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.1.5' },
      { origDst: '172.20.0.11', origPortDst: 30053, replySrc: '10.244.1.6' },
    ]);
  });
  const cases: { name: string; d: Parameters<typeof matchesEntry>[0]; hits: number[] }[] = [
    { name: 'VIP and port', d: { origDst: '10.96.0.10', origPortDst: 53 }, hits: [0] },
    { name: 'VIP, port and endpoint', d: { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.1.6' }, hits: [] },
    { name: 'NodePort and endpoint, any address', d: { origPortDst: 30053, replySrc: '10.244.1.6' }, hits: [1] },
    { name: 'another port', d: { origDst: '10.96.0.10', origPortDst: 54 }, hits: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(entries.flatMap((e, i) => (matchesEntry(c.d, e) ? [i] : [])), c.hits));
});
