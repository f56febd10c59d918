// The IPv6 half of a dual-stack node against the real kernel, in network namespaces of our own
// (test/proxy/netns-node.ts with IPv6): nftables (the ip and ip6 tables in one transaction) and
// iptables (MetaMode: iptables and ip6tables) programmed from one dual-stack state; a TCP connection from the client to an IPv6
// ClusterIP reaches a pod (and the IPv4 one still does); an IPv6 UDP flow's conntrack entry
// toward a removed endpoint is deleted (`conntrack -f ipv6`) and the same flow then reaches the
// new endpoint; an IPv6 LoadBalancer address is put on eth0 and neighbours learn it from the
// kernel's unsolicited advertisement; nothing is left after stop. The Services come straight
// as states: the API on this branch allocates one family only. Last, startProxy with a
// dual-stack --cluster-cidr: both tables, and IPv4 only (with an Event) where IPv6 is disabled. Root, nft, iptables, conntrack.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { NODE_IP, NODE_IP6, POD_CIDR, POD_CIDR6, podIP6, requireRootAndTools, SERVICE_CIDR, TestNode } from '../../test/proxy/netns-node.js';
import { startTestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { startProxy } from './index.js';
import { service, slice } from '../../test/proxy/objects.js';
import { slice6 } from '../../test/proxy/dual-stack-state.js';
import { eventually } from '../../test/support/eventually.js';
import { L2Announcer } from './announce/announcer.js';
import { ConntrackCleaner } from './conntrack/cleaner.js';
import { parseConntrackList, planConntrackCleanup } from './conntrack/plan.js';
import { MetaMode } from './meta-mode.js';
import { IptablesMode } from './modes/iptables/iptables-mode.js';
import { NftablesMode } from './modes/nftables/nftables-mode.js';
import type { Mode } from './proxier.js';
import { stateFromObjects } from './state/build-state.js';
import { IPV4, IPV6 } from './state/family.js';
import type { ProxyState } from './state/types.js';

const WEB6 = 'fd00:10:96::20';
const DNS6 = 'fd00:10:96::53';
const LB6 = 'fd00:20::200';
const NODE = { nodeName: 'node-1', nodePortIPs: [NODE_IP, NODE_IP6] };
const dual = (v4: string, v6: string) => ({ clusterIP: v4, clusterIPs: [v4, v6], ipFamilies: ['IPv4', 'IPv6'] });
const DNS_PORTS = [{ name: 'dns', port: 5353, protocol: 'UDP' }];

/** web (TCP, pod 5 in both families), dns (UDP, the given pod's IPv6 address), lb (IPv6 ingress, pod 6). */
function state(dnsPod: number): ProxyState {
  return stateFromObjects(
    [
      service('web', dual('10.96.0.20', WEB6)),
      service('dns', { ...dual('10.96.0.53', DNS6), ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] }),
      { ...service('lb', { ...dual('10.96.0.80', 'fd00:10:96::80'), type: 'LoadBalancer', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] }), status: { loadBalancer: { ingress: [{ ip: LB6 }] } } },
    ],
    [
      slice('web', [{ ip: '10.244.1.5' }]),
      slice6('web', [{ ip: podIP6(5) }]),
      slice6('dns', [{ ip: podIP6(dnsPod) }], DNS_PORTS),
      slice6('lb', [{ ip: podIP6(6) }]),
    ],
    NODE,
  );
}

let net: TestNode;

before(async () => {
  requireRootAndTools(['ip', 'nft', 'iptables-restore', 'ip6tables-restore', 'conntrack']);
  net = new TestNode().create({ ipv6: true });
  await net.pod(5, 'pod-a');
  await net.pod(6, 'pod-b');
});

after(() => net?.destroy());

// Each mode its own client port: conntrack entries outlive a mode's rules.
const MODES: { name: string; sourcePort: number; make: () => Mode; rules: () => Promise<string> }[] = [
  {
    name: 'nftables',
    sourcePort: 40053,
    make: () => new NftablesMode(net.nodeExec, [{ podCIDR: POD_CIDR, family: IPV4 }, { podCIDR: POD_CIDR6, family: IPV6 }]),
    rules: async () => (await net.nodeExec.run(['nft', 'list', 'ruleset'])).stdout,
  },
  {
    name: 'iptables',
    sourcePort: 40054,
    make: () => new MetaMode([new IptablesMode(net.nodeExec, { podCIDR: POD_CIDR, family: IPV4 }), new IptablesMode(net.nodeExec, { podCIDR: POD_CIDR6, family: IPV6 })]),
    rules: async () => (await net.nodeExec.run(['iptables-save'])).stdout + (await net.nodeExec.run(['ip6tables-save'])).stdout,
  },
];

for (const m of MODES) {
  describe(`dual-stack ${m.name}: the IPv6 proxier in a node namespace`, () => {
    let mode: Mode;
    before(async () => {
      mode = m.make();
      await mode.apply(state(5));
    });
    after(async () => {
      await mode?.stop();
    });

    it('a TCP connection from the client reaches a pod through the IPv6 ClusterIP (and the IPv4 one)', async () => {
      assert.equal(await net.tcp(WEB6, 80), 'pod-a');
      assert.equal(await net.tcp('10.96.0.20', 80), 'pod-a');
      // The NodePort on the node's IPv6 address.
      assert.equal(await net.tcp(NODE_IP6, 30080), 'pod-b');
    });

    it('IPv6 UDP: the entry toward a removed endpoint is deleted (conntrack -f ipv6); the same flow then reaches the new one', async () => {
      assert.equal(await net.udp(DNS6, 53, m.sourcePort), 'pod-a');
      const entries = async () => parseConntrackList((await net.nodeExec.run(['conntrack', '-L', '-f', 'ipv6', '-p', 'udp', '--orig-dst', DNS6])).stdout);
      assert.ok((await entries()).some((e) => e.replySrc === podIP6(5) && e.origPortDst === 53), 'an entry answered by pod-a');
      const before = state(5);
      const next = state(6);
      await mode.apply(next);
      const plan = planConntrackCleanup(before, next);
      assert.ok(plan.length > 0);
      await new ConntrackCleaner(net.nodeExec, pino({ level: 'silent' })).delete(plan);
      assert.ok(!(await entries()).some((e) => e.replySrc === podIP6(5)), 'entry toward pod-a deleted');
      // Without the deletion this flow (same source port) would stay on pod-a for the entry's timeout.
      assert.equal(await net.udp(DNS6, 53, m.sourcePort), 'pod-b');
      await mode.apply(state(5));
    });

    it('stop leaves no rules of either family', async () => {
      await mode.stop();
      assert.doesNotMatch(await m.rules(), /tinykube|KUBE-SVC|KUBE-SERVICES/);
      await mode.apply(state(5));
    });
  });
}

describe('IPv6 LoadBalancer announcement (NDP)', () => {
  it("the address goes on eth0, the client's stale neighbour entry is overridden by the kernel's advertisement, and it leaves on stop", async () => {
    const mode = MODES[0]!.make();
    const announcer = new L2Announcer({ exec: net.nodeExec, iface: 'eth0', nodeName: 'node-1', log: pino({ level: 'silent' }) });
    try {
      await mode.apply(state(5));
      // As if another node had held the address: the client remembers a MAC that is not the node's.
      const r = await net.clientExec.run(['ip', '-6', 'neigh', 'replace', LB6, 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale']);
      assert.equal(r.code, 0, r.stderr);
      const nodeMac = (JSON.parse((await net.nodeExec.run(['ip', '-j', 'link', 'show', 'eth0'])).stdout) as { address: string }[])[0]!.address;
      await announcer.start();
      await announcer.update({ lbIPs: [LB6], readyNodes: ['node-1'] });
      assert.deepEqual(announcer.announced(), [LB6]);
      assert.match((await net.nodeExec.run(['ip', '-6', 'addr', 'show', 'dev', 'eth0'])).stdout, new RegExp(`${LB6}/128 scope global deprecated`));
      // Learnt without sending anything: only an unsolicited advertisement can change it.
      await eventually(async () => (await net.clientExec.run(['ip', '-6', 'neigh', 'show', LB6])).stdout.includes(nodeMac), 5_000, "the node's MAC for the LB address");
      assert.equal(await net.tcp(LB6, 80), 'pod-b');
    } finally {
      await announcer.stop();
      await mode.stop();
    }
    assert.doesNotMatch((await net.nodeExec.run(['ip', '-6', 'addr', 'show', 'dev', 'eth0'])).stdout, new RegExp(LB6));
  });
});

describe('startProxy with a dual-stack --cluster-cidr', () => {
  it('programs both tables; where IPv6 is disabled it serves IPv4 only and says so in an Event on the Node', async () => {
    const api = await startTestApi({ serviceCIDR: SERVICE_CIDR });
    const client = api.client('test');
    const node = new TestNode().create({ ipv6: true });
    // The proxy's own timers do not keep a process alive (in a server the API does).
    const alive = setInterval(() => undefined, 1_000);
    const start = () =>
      startProxy({ client, log: pino({ level: 'silent' }), events: new EventRecorder(client, 'kube-proxy', 'node-1'), nodeName: 'node-1', nodeIPs: [NODE_IP, NODE_IP6], mode: 'nftables', clusterCIDR: `${POD_CIDR},${POD_CIDR6}`, execer: node.nodeExec });
    const tables = async () => (await node.nodeExec.run(['nft', 'list', 'tables'])).stdout.trim().split('\n').sort();
    try {
      const proxy = await start();
      try {
        assert.deepEqual(await tables(), ['table ip tinykube', 'table ip6 tinykube']);
      } finally {
        await proxy.stop();
      }
      assert.deepEqual(await tables(), ['']);

      const off = await node.nodeExec.run(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      assert.equal(off.code, 0, off.stderr);
      const v4only = await start();
      try {
        assert.deepEqual(await tables(), ['table ip tinykube']);
        const event = await eventually(async () => (await client.list(R.events, 'default')).items.find((e) => (e as { reason?: string }).reason === 'IPFamilyUnavailable'), 5_000, 'IPFamilyUnavailable Event');
        assert.match((event as { message?: string }).message!, /^can't program IPv6 with the nftables proxier: IPv6 is disabled .*; serving IPv4 only$/);
        assert.equal((event as { involvedObject?: { kind: string } }).involvedObject?.kind, 'Node');
      } finally {
        await v4only.stop();
      }
    } finally {
      clearInterval(alive);
      node.destroy();
      await api.close();
    }
  });
});
