import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stateFromObjects } from './state/build-state.js';
import { service, slice } from '../../test/proxy/objects.js';
import { explainRules, explainService } from './explain.js';
import { dualStackState, DS_POD_CIDR4, DS_POD_CIDR6 } from '../../test/proxy/dual-stack-state.js';

const node = { nodeName: 'node-1', nodePortIPs: ['127.0.0.1'] };

test('explainService says what happens on each address', async (t) => {
  const cases = [
    {
      name: 'terminating fallback, affinity, scheduler annotation',
      svc: service('a', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, { 'tinykube.io/scheduler': 'lc' }),
      eps: [{ ip: '127.244.0.1', ready: false, serving: true, terminating: true, pod: 'a-1' }],
      want: [
        /scheduler: lc — least connection/,
        /session affinity: ClientIP — .* for 60s/,
        /127\.244\.0\.1:8080  not ready, serving, terminating  on node-1 \(this node\)  a-1/,
        /127\.96\.0\.10:80 \(ClusterIP\): listener TCP\/127\.96\.0\.10:80 forwards to one of 1 endpoints cluster-wide, none ready so serving-and-terminating ones are used/,
      ],
    },
    {
      name: 'externalTrafficPolicy Local without a local endpoint drops on the NodePort',
      svc: service('b', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] }),
      eps: [{ ip: '127.244.0.2', node: 'node-2' }],
      want: [/127\.0\.0\.1:30080 \(NodePort\): dropped — externalTrafficPolicy is Local and this node has no usable endpoint/, /traffic policy: internal Cluster, external Local/],
    },
    {
      name: 'a bad annotation is reported',
      svc: service('c', {}, { 'tinykube.io/scheduler': 'fastest' }),
      eps: [{ ip: '127.244.0.3' }],
      want: [/warning: tinykube\.io\/scheduler: unknown scheduler "fastest"/, /scheduler: rr/],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const name = c.svc.metadata.name!;
      const text = explainService(stateFromObjects([c.svc], [slice(name, c.eps)], node), 'default', name);
      for (const re of c.want) assert.match(text, re);
    });
  }
  await t.test('a dual-stack Service, family by family: each address reaches its own family only', () => {
    const svc = service('d', { type: 'NodePort', clusterIP: '127.96.0.20', clusterIPs: ['127.96.0.20', 'fd00:10:96::20'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] });
    const v4 = slice('d', [{ ip: '127.244.0.5', pod: 'd-1' }]);
    const v6 = { ...slice('d', [{ ip: 'fd00:10:244::5', pod: 'd-1' }], undefined, 'd-v6'), addressType: 'IPv6' as const };
    const text = explainService(stateFromObjects([svc], [v4, v6], { nodeName: 'node-1', nodePortIPs: ['127.0.0.1', '::1'] }), 'default', 'd');
    assert.match(text, /  IPv4:\n    endpoints \(1\):\n      127\.244\.0\.5:8080 .*\n    127\.96\.0\.20:80 \(ClusterIP\): .*forwards to one of 1 endpoints cluster-wide.*\n    127\.0\.0\.1:30080 \(NodePort\)/);
    assert.match(text, /  IPv6:\n    endpoints \(1\):\n      \[fd00:10:244::5\]:8080 .*\n    \[fd00:10:96::20\]:80 \(ClusterIP\): .*forwards to one of 1 endpoints.*\n    \[::1\]:30080 \(NodePort\)/);
    const noV6 = explainService(stateFromObjects([svc], [v4], { nodeName: 'node-1', nodePortIPs: ['127.0.0.1'] }), 'default', 'd');
    assert.match(noV6, /\[fd00:10:96::20\]:80 \(ClusterIP\): refused at once — the service has no usable endpoints/, 'IPv4 endpoints do not serve the IPv6 address');
  });
  await t.test('headless or unknown services have no address', () => {
    const text = explainService(stateFromObjects([service('h', { clusterIP: 'None', clusterIPs: ['None'] })], [], node), 'default', 'h');
    assert.match(text, /headless or ExternalName/);
  });
});

test('explainRules shows the real rules of one Service in the kernel modes', async (t) => {
  const kernelNode = { nodeName: 'node-1', nodePortIPs: ['172.20.0.11'] };
  const web = service('web', { type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] });
  const other = service('other', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'] });
  const state = stateFromObjects([web, other], [slice('web', [{ ip: '10.244.1.5' }, { ip: '10.244.2.5', node: 'node-2' }]), slice('other', [{ ip: '10.244.1.9' }])], kernelNode);
  const opts = { clusterCIDR: '10.244.0.0/16' };

  await t.test('nftables: its chains and its map elements, nothing of other services or of the shared chains', () => {
    const text = explainRules(state, 'default', 'web', 'nftables', opts);
    assert.match(text, /^Service default\/web: its part of table ip tinykube on node node-1 \(nftables mode, pod network 10\.244\.0\.0\/16\)/);
    assert.match(text, /map service-ips \{[^}]*10\.96\.0\.20 \. tcp \. 80 : goto service-[0-9A-F]{8}-default\/web\/tcp\/http,/);
    assert.match(text, /map service-nodeports \{[^}]*tcp \. 30080 : goto external-[0-9A-F]{8}-default\/web\/tcp\/http,/);
    assert.match(text, /chain service-[0-9A-F]{8}-default\/web\/tcp\/http \{\n\t\tip daddr 10\.96\.0\.20 tcp dport 80 ip saddr != 10\.244\.0\.0\/16 jump mark-for-masquerade\n\t\tnumgen random mod 2 == 0 meta l4proto tcp counter name endpoint-[0-9A-F]{8}-default\/web\/tcp\/http__10\.244\.1\.5\/8080 dnat to 10\.244\.1\.5:8080\n\t\tmeta l4proto tcp counter name endpoint-[0-9A-F]{8}-default\/web\/tcp\/http__10\.244\.2\.5\/8080 dnat to 10\.244\.2\.5:8080/);
    // The endpoints' named counters come with the Service.
    assert.match(text, /\tcounter endpoint-[0-9A-F]{8}-default\/web\/tcp\/http__10\.244\.1\.5\/8080 \{\n\t\}/);
    assert.match(text, /map endpoint-bytes \{[^}]*10\.244\.2\.5 \. tcp \. 8080 : "bytes-10\.244\.2\.5\/tcp\/8080",/);
    assert.match(text, /10\.244\.1\.5 \. 10\.244\.1\.5,/, 'hairpin elements');
    assert.doesNotMatch(text, /other|10\.96\.0\.30|chain services \{|chain masquerading|nodeport-ips/);
  });

  await t.test('iptables: its KUBE-SERVICES / KUBE-NODEPORTS lines and its KUBE-SVC/EXT/SEP chains', () => {
    const text = explainRules(state, 'default', 'web', 'iptables', opts);
    assert.match(text, /^\*nat$/m);
    assert.match(text, /^-A KUBE-SERVICES -m comment --comment "default\/web:http cluster IP" -m tcp -p tcp -d 10\.96\.0\.20 --dport 80 -j KUBE-SVC-/m);
    assert.match(text, /^-A KUBE-NODEPORTS .*--dport 30080 -j KUBE-EXT-/m);
    assert.match(text, /^:KUBE-SEP-[A-Z2-7]{16} - \[0:0\]$/m);
    assert.match(text, /-j DNAT --to-destination 10\.244\.2\.5:8080/);
    assert.doesNotMatch(text, /other|10\.96\.0\.30|KUBE-POSTROUTING|KUBE-MARK-MASQ -j MARK|NOTE: this must be the last rule|^\*filter/m);
  });

  await t.test('without endpoints, iptables shows the filter REJECT', () => {
    const empty = stateFromObjects([web], [], kernelNode);
    assert.match(explainRules(empty, 'default', 'web', 'iptables', opts), /^\*filter\n-A KUBE-SERVICES -m comment --comment "default\/web:http has no endpoints" .* -j REJECT/m);
    assert.match(explainRules(empty, 'default', 'web', 'nftables', opts), /map no-endpoint-services \{[^}]*10\.96\.0\.20 \. tcp \. 80 : goto reject-chain/);
  });

  await t.test('an unknown Service says so, as in userspace', () => {
    assert.match(explainRules(state, 'default', 'nope', 'nftables', opts), /has no virtual address on node node-1/);
  });

  await t.test('a dual-stack Service: each family\'s table under its own addresses, the IPv6 one beside the IPv4 one', () => {
    const ds = dualStackState();
    const both = { clusterCIDR: `${DS_POD_CIDR4},${DS_POD_CIDR6}` };
    const nft = explainRules(ds, 'default', 'web', 'nftables', both);
    const [v4, v6] = nft.split(/(?=^Service default\/web: its part of table ip6 tinykube on node node-1 \(nftables mode, pod network fd00:10:244::\/56\)\.$)/m);
    assert.ok(v6, nft);
    assert.match(v4!, /^table ip tinykube \{$/m);
    assert.match(v4!, /ip daddr 10\.96\.0\.20 tcp dport 80 ip saddr != 10\.244\.0\.0\/16 jump mark-for-masquerade/);
    assert.doesNotMatch(v4!, /fd00/);
    assert.match(v6, /^table ip6 tinykube \{$/m);
    assert.match(v6, /type ipv6_addr \. inet_proto \. inet_service : verdict\n\t\telements = \{\n\t\t\tfd00:10:96::20 \. tcp \. 80 : goto service-/);
    assert.match(v6, /ip6 daddr fd00:10:96::20 tcp dport 80 ip6 saddr != fd00:10:244::\/56 jump mark-for-masquerade/);
    assert.match(v6, /dnat to \[fd00:10:244:2::5\]:8080/);
    // No IPv4 address (the counters' names spell IPv6 addresses with dots: fd00.10.244.1..5).
    assert.doesNotMatch(v6, /(?<![\w.])10\.(96|244)\.\d+\.\d+/);

    const ipt = explainRules(ds, 'default', 'web', 'iptables', both);
    const [i4, i6] = ipt.split(/(?=^Service default\/web: its ip6tables rules on node node-1 \(iptables mode, pod network fd00:10:244::\/56\)\.$)/m);
    assert.ok(i6, ipt);
    assert.match(i4!, /^-A KUBE-SERVICES .* -d 10\.96\.0\.20 --dport 80 -j KUBE-SVC-/m);
    assert.match(i6, /^-A KUBE-SERVICES .* -d fd00:10:96::20 --dport 80 -j KUBE-SVC-/m);
    assert.match(i6, /-j DNAT --to-destination \[fd00:10:244:1::5\]:8080/);
    assert.doesNotMatch(i6, /(?<![\w.])10\.(96|244)\.\d+\.\d+/);

    // Each family decides its verdict alone: no IPv6 endpoint rejects on the IPv6 address only.
    const half = explainRules(ds, 'default', 'half', 'nftables', both);
    assert.match(half, /table ip6 tinykube \{\n\tmap no-endpoint-services \{[^}]*fd00:10:96::50 \. udp \. 53 : goto reject-chain/);
    assert.doesNotMatch(half, /10\.96\.0\.50 \. udp \. 53 : goto reject-chain/);
    // A single-stack Service has no ip6 part; without an IPv6 pod network the IPv6 half says why.
    assert.doesNotMatch(explainRules(ds, 'default', 'v4only', 'nftables', both), /ip6/);
    assert.match(explainRules(ds, 'default', 'web', 'iptables', { clusterCIDR: DS_POD_CIDR4 }), /its ip6tables rules on node node-1: not shown, no IPv6 pod network was given \(--cluster-cidr\)\.\n$/);
  });
});
