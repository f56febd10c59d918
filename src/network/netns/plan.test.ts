// The pure half of the netns network: names, the plan, the ip commands, the pod files and the
// mountinfo reading, without root.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterCommands, gatewayMac, podCommands } from './commands.js';
import { netnsPropagation } from './mount-ns.js';
import { nodeIPs, nodeNs, ownedBy, planCluster, podCIDRs, podNs, podVeth } from './names.js';
import { podFiles, podHosts } from './pod-files.js';

const UID = '5f1c2a9e-0b7d-4c3e-9a61-2f8d7e6c5b4a';

describe('names', () => {
  it('derives namespace and link names', () => {
    assert.equal(nodeNs('tinykube', 2), 'tinykube-node-2');
    assert.equal(podNs('tinykube', UID), 'tinykube-pod-5f1c2a9e0b7d');
    assert.match(podVeth(UID), /^tkv[0-9a-f]{10}$/);
    assert.equal(podVeth(UID), podVeth(UID));
    assert.notEqual(podVeth(UID), podVeth(UID.replace('5f', '6f')));
  });

  for (const [name, owned] of [
    ['tk-underlay', true],
    ['tk-client', true],
    ['tk-node-12', true],
    ['tk-pod-5f1c2a9e0b7d', true],
    ['tk-test-1234', false],
    ['tk-pod-xyz', false],
    ['tk-x-node-1', false],
    ['tkx-node-1', false],
  ] as const) {
    it(`ownedBy("tk", ${name}) is ${owned}`, () => assert.equal(ownedBy('tk', name), owned));
  }
});

describe('planCluster', () => {
  it('gives each node an underlay address and a /24 of 10.244.0.0/16', () => {
    const plan = planCluster({ prefix: 'tk', nodes: 2 });
    assert.deepEqual(plan.nodes, [
      { index: 1, ns: 'tk-node-1', nodeIP: '172.20.0.11', podCIDR: '10.244.1.0/24', gateway: '10.244.1.1' },
      { index: 2, ns: 'tk-node-2', nodeIP: '172.20.0.12', podCIDR: '10.244.2.0/24', gateway: '10.244.2.1' },
    ]);
    assert.equal(plan.underlayNs, 'tk-underlay');
    assert.equal(plan.clientNs, 'tk-client');
    assert.equal(plan.clientIP, '172.20.0.2');
    assert.equal(plan.lbPool, '172.20.0.200-172.20.0.250');
    assert.deepEqual(plan.serviceCIDRs, ['10.96.0.0/12']);
    assert.deepEqual(plan.clusterCIDRs, ['10.244.0.0/16']);
    assert.deepEqual(plan.dnsIPs, ['10.96.0.10']);
    assert.equal(plan.v6, undefined);
  });

  it('dual-stack: each node gets an IPv6 address and a /64 too, in the order of the cluster CIDRs', () => {
    const plan = planCluster({ prefix: 'tk', nodes: 2, clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], serviceCIDRs: ['10.96.0.0/16', 'fd00:10:96::/108'] });
    assert.deepEqual(plan.nodes[1], {
      index: 2,
      ns: 'tk-node-2',
      nodeIP: '172.20.0.12',
      podCIDR: '10.244.2.0/24',
      gateway: '10.244.2.1',
      v6: { nodeIP: 'fd00:20::12', podCIDR: 'fd00:10:244:2::/64', gateway: 'fd00:10:244:2::1' },
    });
    assert.deepEqual(plan.v6, { clientIP: 'fd00:20::2', underlayCIDR: 'fd00:20::/64', lbPool: 'fd00:20::200-fd00:20::250' });
    // kube-dns has an address in each family: the kubelets' --cluster-dns.
    assert.deepEqual(plan.dnsIPs, ['10.96.0.10', 'fd00:10:96::a']);
    assert.deepEqual([nodeIPs(plan.nodes[0]!), podCIDRs(plan.nodes[0]!)], [['172.20.0.11', 'fd00:20::11'], ['10.244.1.0/24', 'fd00:10:244:1::/64']]);

    const v6First = planCluster({ prefix: 'tk', nodes: 1, clusterCIDRs: ['fd00:10:244::/56', '10.244.0.0/16'], serviceCIDRs: ['fd00:10:96::/108', '10.96.0.0/16'] });
    const n = v6First.nodes[0]!;
    assert.equal(n.v6Primary, true);
    assert.deepEqual([nodeIPs(n), podCIDRs(n)], [['fd00:20::11', '172.20.0.11'], ['fd00:10:244:1::/64', '10.244.1.0/24']]);
    // kubeadm's pick: the 10th address of the first service CIDR, primary first.
    assert.deepEqual(v6First.dnsIPs, ['fd00:10:96::a', '10.96.0.10']);
  });

  it('carves node CIDRs out of the given cluster CIDRs, a 1/256 share of a small one', () => {
    const plan = planCluster({ prefix: 'tk', nodes: 3, clusterCIDRs: ['10.100.0.0/20', 'fd00:1::/112'] });
    assert.deepEqual(
      plan.nodes.map((n) => [n.podCIDR, n.gateway, n.v6!.podCIDR, n.v6!.gateway]),
      [
        ['10.100.0.16/28', '10.100.0.17', 'fd00:1::100/120', 'fd00:1::101'],
        ['10.100.0.32/28', '10.100.0.33', 'fd00:1::200/120', 'fd00:1::201'],
        ['10.100.0.48/28', '10.100.0.49', 'fd00:1::300/120', 'fd00:1::301'],
      ],
    );
  });

  for (const [spec, message] of [
    [{ prefix: 'Bad_Prefix', nodes: 1 }, /invalid network prefix "Bad_Prefix"/],
    [{ prefix: 'tk', nodes: 0 }, /invalid node count 0/],
    [{ prefix: 'tk', nodes: 190 }, /between 1 and 189/],
    [{ prefix: 'tk', nodes: 1, clusterCIDRs: ['fd00:10:244::/56'] }, /need an IPv4 pod network beside an IPv6 one/],
    [{ prefix: 'tk', nodes: 1, clusterCIDRs: ['10.244.0.0/16', '10.245.0.0/16'] }, /two of different IP families/],
    [{ prefix: 'tk', nodes: 1, clusterCIDRs: ['10.244.0.0/16', 'fd00::/56', 'fd01::/56'] }, /give one, or two/],
    [{ prefix: 'tk', nodes: 1, clusterCIDRs: ['10.244.0.0/16', 'fd00::/125'] }, /too small/],
    [{ prefix: 'tk', nodes: 1, clusterCIDRs: ['10.244.0.0/33'] }, /is not a CIDR/],
  ] as const) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => planCluster(spec), message));
  }
});

describe('commands', () => {
  it('builds the cluster with one ip process per namespace (and a sysctl per node)', () => {
    const cmds = clusterCommands(planCluster({ prefix: 'tk', nodes: 2 }));
    assert.deepEqual(cmds, [
      { argv: ['ip', '-batch', '-'], stdin: 'netns add tk-underlay\nnetns add tk-node-1\nnetns add tk-node-2\nnetns add tk-client\n' },
      {
        argv: ['ip', '-n', 'tk-underlay', '-batch', '-'],
        stdin: [
          'link set lo up',
          'link add br0 type bridge',
          'link set br0 up',
          'link add node1 type veth peer name eth0 netns tk-node-1',
          'link set node1 master br0 up',
          'link add node2 type veth peer name eth0 netns tk-node-2',
          'link set node2 master br0 up',
          'link add client type veth peer name eth0 netns tk-client',
          'link set client master br0 up',
          '',
        ].join('\n'),
      },
      {
        argv: ['ip', '-n', 'tk-node-1', '-batch', '-'],
        stdin: [
          'link set lo up',
          'addr add 172.20.0.11/24 dev eth0',
          'link set eth0 up',
          'link add cni0 address 0a:58:0a:f4:01:01 type bridge',
          'addr add 10.244.1.1/24 dev cni0',
          'link set cni0 up',
          'route add 10.244.2.0/24 via 172.20.0.12 dev eth0',
          'route add default via 172.20.0.2 dev eth0',
          '',
        ].join('\n'),
      },
      {
        argv: ['ip', 'netns', 'exec', 'tk-node-1', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0', 'net.ipv4.conf.cni0.send_redirects=0'],
      },
      {
        argv: ['ip', '-n', 'tk-node-2', '-batch', '-'],
        stdin: [
          'link set lo up',
          'addr add 172.20.0.12/24 dev eth0',
          'link set eth0 up',
          'link add cni0 address 0a:58:0a:f4:02:01 type bridge',
          'addr add 10.244.2.1/24 dev cni0',
          'link set cni0 up',
          'route add 10.244.1.0/24 via 172.20.0.11 dev eth0',
          'route add default via 172.20.0.2 dev eth0',
          '',
        ].join('\n'),
      },
      {
        argv: ['ip', 'netns', 'exec', 'tk-node-2', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0', 'net.ipv4.conf.cni0.send_redirects=0'],
      },
      { argv: ['ip', '-n', 'tk-client', '-batch', '-'], stdin: 'link set lo up\naddr add 172.20.0.2/24 dev eth0\nlink set eth0 up\n' },
    ]);
  });

  it('wires a pod with a /32 behind its node gateway, in two ip processes', () => {
    const node = planCluster({ prefix: 'tk', nodes: 1 }).nodes[0]!;
    const veth = podVeth(UID);
    assert.deepEqual(podCommands({ prefix: 'tk', node, uid: UID, ip: '10.244.1.7' }), [
      {
        argv: ['nsenter', '--net=/run/netns/tk-node-1', '--', 'ip', '-batch', '-'],
        stdin: `netns add tk-pod-5f1c2a9e0b7d\nlink add ${veth} master cni0 up type veth peer name eth0 netns tk-pod-5f1c2a9e0b7d\nlink set ${veth} type bridge_slave hairpin on\n`,
      },
      {
        argv: ['ip', '-n', 'tk-pod-5f1c2a9e0b7d', '-batch', '-'],
        stdin: 'link set lo up\naddr add 10.244.1.7/32 dev eth0\nlink set eth0 up\nroute add 10.244.1.1 dev eth0 scope link\nroute add default via 10.244.1.1 dev eth0\n',
      },
    ]);
  });

  it('dual-stack: IPv6 addresses without DAD, host-gw routes and forwarding for both families', () => {
    const plan = planCluster({ prefix: 'tk', nodes: 2, clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'] });
    const cmds = clusterCommands(plan);
    const noDad = (ns: string) => ({ argv: ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'] });
    // Before the underlay makes the nodes' eth0: links made later inherit it.
    assert.deepEqual(cmds.slice(1, 4), [noDad('tk-node-1'), noDad('tk-node-2'), noDad('tk-client')]);
    const node1 = cmds.find((c) => c.argv.join(' ') === 'ip -n tk-node-1 -batch -')!.stdin!.split('\n');
    for (const line of [
      'addr add fd00:20::11/64 dev eth0 nodad',
      'addr add fd00:10:244:1::1/64 dev cni0 nodad',
      'route add fd00:10:244:2::/64 via fd00:20::12 dev eth0',
      'route add default via fd00:20::2 dev eth0',
    ]) assert.ok(node1.includes(line), line);
    assert.ok(cmds.some((c) => c.argv.join(' ').startsWith('ip netns exec tk-node-1 sysctl') && c.argv.includes('net.ipv6.conf.all.forwarding=1')));
    assert.deepEqual(cmds.at(-1), { argv: ['ip', '-n', 'tk-client', '-batch', '-'], stdin: 'link set lo up\naddr add 172.20.0.2/24 dev eth0\naddr add fd00:20::2/64 dev eth0 nodad\nlink set eth0 up\n' });

    const pod = podCommands({ prefix: 'tk', node: plan.nodes[0]!, uid: UID, ip: '10.244.1.7', ip6: 'fd00:10:244:1::7' });
    // The namespace, then DAD and redirects off before its eth0 is made (it inherits `default`).
    assert.deepEqual(pod[0], { argv: ['ip', 'netns', 'add', 'tk-pod-5f1c2a9e0b7d'] });
    assert.deepEqual(pod[1]!.argv.slice(0, 9), noDad('tk-pod-5f1c2a9e0b7d').argv);
    assert.ok(pod[1]!.argv.includes('net.ipv6.conf.default.accept_redirects=0'));
    assert.ok(!pod[2]!.stdin!.includes('netns add'));
    assert.equal(
      pod[3]!.stdin,
      'link set lo up\naddr add 10.244.1.7/32 dev eth0\naddr add fd00:10:244:1::7/128 dev eth0 nodad\nlink set eth0 up\nroute add 10.244.1.1 dev eth0 scope link\nroute add default via 10.244.1.1 dev eth0\nroute add fd00:10:244:1::1 dev eth0\nroute add default via fd00:10:244:1::1 dev eth0\n',
    );
  });

  it('derives the gateway MAC from its address', () => assert.equal(gatewayMac('10.244.12.1'), '0a:58:0a:f4:0c:01'));
});

describe('pod files', () => {
  it('writes resolv.conf for the pod namespace and hosts with its name', () => {
    const files = podFiles({ ips: ['10.244.1.7'], hostname: 'web-0', namespace: 'shop', clusterDomain: 'cluster.local', dnsIPs: ['10.96.0.10'], hostResolvConf: 'nameserver 1.1.1.1\n' });
    assert.equal(files['resolv.conf'], 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    assert.match(files.hosts, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(files.hosts, /^10\.244\.1\.7\tweb-0$/m);
  });

  it('names the pod on a line per address, as kubelet does for dual-stack pods', () => {
    const hosts = podHosts({ ips: ['10.244.1.7', 'fd00:10:244:1::7'], hostname: 'web-0', namespace: 'shop', clusterDomain: 'cluster.local' });
    assert.ok(hosts.endsWith('fe00::2\tip6-allrouters\n10.244.1.7\tweb-0\nfd00:10:244:1::7\tweb-0\n'), hosts);
  });

  it('names the FQDN of a pod with a subdomain', () => {
    const hosts = podHosts({ ips: ['10.244.1.7'], hostname: 'web-0', namespace: 'shop', subdomain: 'web', clusterDomain: 'cluster.local' });
    assert.match(hosts, /^10\.244\.1\.7\tweb-0\.web\.shop\.svc\.cluster\.local\tweb-0$/m);
    const aliased = podHosts({ ips: ['10.244.1.7'], hostname: 'web-0', namespace: 'shop', clusterDomain: 'cluster.local', hostAliases: [{ ip: '123.45.67.89', hostnames: ['foo.local', 'bar.local'] }] });
    assert.ok(aliased.endsWith('10.244.1.7\tweb-0\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo.local\tbar.local\n'), aliased);
  });

  it('honours the pod dnsPolicy when the pod is given', () => {
    const pod = { metadata: { name: 'p', namespace: 'shop' }, spec: { dnsPolicy: 'Default' } };
    const files = podFiles({ ips: ['10.244.1.7'], hostname: 'p', namespace: 'shop', clusterDomain: 'cluster.local', dnsIPs: ['10.96.0.10'], hostResolvConf: 'nameserver 1.1.1.1\n', pod });
    assert.equal(files['resolv.conf'], 'nameserver 1.1.1.1\n');
  });
});

describe('netnsPropagation', () => {
  const line = (opt: string) => `42 27 254:0 /run/netns /run/netns rw,relatime ${opt} - ext4 /dev/vda rw`;
  for (const [name, text, want] of [
    ['host: shared', line('shared:1'), 'shared'],
    ['ip netns exec: slave', line('master:1'), 'private'],
    ['shared and slave', line('shared:3 master:1'), 'slave-shared'],
    ['no /run/netns mount', '27 1 254:0 / / rw - ext4 /dev/vda rw', 'absent'],
    ["the host's, covered by rootless up's /run: the last one", `${line('')}\n${line('shared:2')}`, 'shared'],
  ] as const) {
    it(name, () => assert.equal(netnsPropagation(`1 0 0:1 / /proc rw - proc proc rw\n${text}\n`), want));
  }
});
