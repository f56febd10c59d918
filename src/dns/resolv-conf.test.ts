import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../apis/core/pods.js';
import { parseResolvConf, podResolvConf } from './resolv-conf.js';

const HOST = `# generated
domain corp.example
search corp.example lab.example
nameserver 192.0.2.53
nameserver 192.0.2.54 ; second
options edns0 timeout:2
`;
const OPTS = { nameservers: ['127.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: HOST };
const pod = (spec: Record<string, unknown>): Pod => ({ metadata: { name: 'p', namespace: 'web' }, spec });

describe('parseResolvConf', () => {
  it('reads nameservers, the last search line and options, without comments', () => {
    assert.deepEqual(parseResolvConf(HOST), {
      nameservers: ['192.0.2.53', '192.0.2.54'],
      searches: ['corp.example', 'lab.example'],
      options: ['edns0', 'timeout:2'],
    });
  });
});

describe('podResolvConf', () => {
  const cases: { name: string; spec: Record<string, unknown>; want: string }[] = [
    {
      name: 'ClusterFirst (the default): cluster DNS, namespace search path, ndots:5',
      spec: {},
      want: 'search web.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 127.96.0.10\noptions ndots:5\n',
    },
    {
      name: 'ClusterFirst on the host network falls back to the node resolver',
      spec: { dnsPolicy: 'ClusterFirst', hostNetwork: true },
      want: 'search corp.example lab.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 timeout:2\n',
    },
    {
      name: 'ClusterFirstWithHostNet keeps cluster DNS on the host network',
      spec: { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true },
      want: 'search web.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 127.96.0.10\noptions ndots:5\n',
    },
    {
      name: 'Default: the node resolver',
      spec: { dnsPolicy: 'Default' },
      want: 'search corp.example lab.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 timeout:2\n',
    },
    {
      name: 'None: exactly the dnsConfig (conformance: configurable pod DNS nameservers)',
      spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['resolv.conf.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } },
      want: 'search resolv.conf.local\nnameserver 1.1.1.1\noptions ndots:2 edns0\n',
    },
    {
      name: 'dnsConfig merges into ClusterFirst: servers and searches appended, options overridden by name',
      spec: { dnsConfig: { nameservers: ['127.96.0.10', '192.0.2.1'], searches: ['extra.example'], options: [{ name: 'ndots', value: '1' }] } },
      want: 'search web.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example extra.example\nnameserver 127.96.0.10\nnameserver 192.0.2.1\noptions ndots:1\n',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(podResolvConf(pod(c.spec), OPTS), c.want));
  it('dual-stack: every cluster DNS address is a nameserver line, as the kubelet writes each --cluster-dns', () => {
    const text = podResolvConf(pod({}), { ...OPTS, nameservers: ['10.96.0.10', 'fd00:10:96::a'] });
    assert.match(text, /\nnameserver 10\.96\.0\.10\nnameserver fd00:10:96::a\noptions ndots:5\n$/);
  });
});
