// startProxy in the kernel modes against a real in-process API, programming a node network
// namespace of our own through its Execer (Node cannot enter a namespace itself): a client
// namespace reaches pods through a ClusterIP, a UDP flow's conntrack entry toward a removed
// endpoint is deleted, and a LoadBalancer address is announced on the node's eth0 and moves
// away when the node stops being Ready. Root, nft, iptables, ipset, conntrack and arping required.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import type { Node } from '../apis/core/nodes.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { startProxy, type ProxyModeName, type RunningProxy } from './index.js';
import { NODE_IP, POD_CIDR, requireRootAndTools, SERVICE_CIDR, TestNode } from '../../test/proxy/netns-node.js';
import { parseConntrackList } from './conntrack/plan.js';
import { createService, putSlice } from '../../test/proxy/api.js';
import { eventually } from '../../test/support/eventually.js';

const LB_IP = '172.20.0.201';
const UDP_PORTS = [{ name: 'dns', port: 5353, protocol: 'UDP' }];

async function setNode(client: Client, name: string, ready: 'True' | 'Unknown'): Promise<void> {
  const exists = await client.get<Node>(R.nodes, undefined, name).catch(() => undefined);
  if (!exists) await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  await client.patch(R.nodes, undefined, name, 'merge', { status: { conditions: [{ type: 'Ready', status: ready }] } }, { subresource: 'status' });
}

for (const mode of ['nftables', 'iptables'] as ProxyModeName[]) {
  describe(`startProxy in ${mode} mode, in a node namespace`, () => {
    let api: TestApi;
    let client: Client;
    let net: TestNode;
    let proxy: RunningProxy | undefined;
    let pods: string[];
    let countedVIP: string;
    const rules = async (): Promise<string> =>
      (await net.nodeExec.run(mode === 'nftables' ? ['nft', 'list', 'ruleset'] : ['iptables-save'])).stdout;

    before(async () => {
      requireRootAndTools(['ip', 'nft', 'iptables-restore', 'ipset', 'conntrack', 'arping']);
      api = await startTestApi({ serviceCIDR: SERVICE_CIDR });
      client = api.client('test');
      net = new TestNode().create();
      pods = [await net.pod(5, 'pod-a'), await net.pod(6, 'pod-b')];
      await setNode(client, 'node-1', 'True');
      proxy = await startProxy({
        client,
        log: pino({ level: 'silent' }),
        events: new EventRecorder(client, 'kube-proxy', 'node-1'),
        nodeName: 'node-1',
        nodeIPs: [NODE_IP],
        mode,
        clusterCIDR: POD_CIDR,
        execer: net.nodeExec,
        announceInterface: 'eth0',
      });
    });

    after(async () => {
      try {
        await proxy?.stop();
      } finally {
        net?.destroy();
        await api?.close();
      }
    });

    it('reports the mode it uses', () => {
      assert.equal(proxy!.mode, mode);
      assert.equal(proxy!.modeMessage, undefined);
    });

    it('a TCP connection from the client namespace reaches a pod through the ClusterIP', async () => {
      const svc = await createService(client, 'web', { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] });
      await putSlice(client, 'web', [{ ip: pods[0]! }]);
      const vip = svc.spec.clusterIP!;
      await eventually(async () => (await rules()).includes(vip), 5_000, 'rules for the VIP');
      if (mode === 'nftables') {
        const table = (await net.nodeExec.run(['nft', 'list', 'table', 'ip', 'tinykube'])).stdout;
        assert.match(table, new RegExp(`${vip.replace(/\./g, '\\.')} \\. tcp \\. 80 : goto service-`));
      }
      assert.equal(await net.tcp(vip, 80), 'pod-a');
      const latency = await proxy!.metrics.getSingleMetric('kubeproxy_network_programming_duration_seconds')!.get();
      assert.ok(latency.values.some((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.value > 0), 'network programming latency recorded');
    });

    it("counts each connection in its endpoint's counter, and keeps the count through an endpoints change", async () => {
      const svc = await createService(client, 'counted', { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] });
      const vip = (countedVIP = svc.spec.clusterIP!);
      const [a, b] = [`${pods[0]}:8080`, `${pods[1]}:8080`];
      const counted = async (): Promise<Record<string, number>> =>
        // (pod-a's bytes, counted by endpoint address, include those of web's connections: left out)
        Object.fromEntries((await proxy!.traffic()).endpoints.filter((e) => e.name === 'counted' && e.connections).map((e) => [e.endpoint, e.connections]));
      /** The mode's rules name the Service and that pod. */
      const programmed = async (pod: string): Promise<boolean> => (await rules()).split('\n').some((l) => l.includes('counted') && l.includes(pod));
      await putSlice(client, 'counted', [{ ip: pods[0]! }]);
      await eventually(() => programmed(pods[0]!), 5_000, "pod-a's rules");
      assert.deepEqual(await counted(), {}, 'nothing counted yet');
      for (let i = 0; i < 3; i++) assert.equal(await net.tcp(vip, 80), 'pod-a');
      assert.deepEqual(await counted(), { [a]: 3 });
      // The service's chain is written again with two endpoints; pod-a's counter is kept.
      await putSlice(client, 'counted', [{ ip: pods[0]! }, { ip: pods[1]! }]);
      await eventually(() => programmed(pods[1]!), 5_000, "pod-b's rules");
      const answers: Record<string, number> = { 'pod-a': 0, 'pod-b': 0 };
      for (let i = 0; i < 12; i++) answers[await net.tcp(vip, 80)]!++;
      // An endpoint that carried nothing is not reported (as userspace does).
      assert.deepEqual(await counted(), { [a]: 3 + answers['pod-a']!, ...(answers['pod-b'] ? { [b]: answers['pod-b'] } : {}) });
      const report = await proxy!.traffic();
      assert.deepEqual([report.node, report.mode], ['node-1', mode]);
      assert.ok(report.endpoints.every((e) => e.bytesIn === undefined && e.open === undefined), 'kernel counters: nothing open, no payload split');
      // Bytes both ways: nftables in its @endpoint-bytes counters, iptables in its ipset's elements.
      assert.ok(report.endpoints.every((e) => e.bytes! > 0), JSON.stringify(report.endpoints));
    });

    it("counts a connection's bytes, both ways, in its endpoint's byte counter only", async () => {
      const PAYLOAD = 200_000;
      const bytes = async (): Promise<Record<string, number>> =>
        Object.fromEntries((await proxy!.traffic()).endpoints.filter((e) => e.name === 'counted').map((e) => [e.endpoint, e.bytes!]));
      const before = await bytes();
      const answer = await net.tcp(countedVIP, 80, PAYLOAD);
      const [to, other] = answer === 'pod-a' ? [`${pods[0]}:8080`, `${pods[1]}:8080`] : [`${pods[1]}:8080`, `${pods[0]}:8080`];
      const after = await bytes();
      // The payload and the answer, plus every packet's IP and TCP headers (the handshake's too).
      const moved = after[to]! - (before[to] ?? 0);
      assert.ok(moved >= PAYLOAD + answer.length + 10 * 40, `${to} counted ${moved} bytes for ${PAYLOAD} sent`);
      assert.ok(moved < PAYLOAD * 1.2, `${to} counted ${moved} bytes for ${PAYLOAD} sent: more than this connection`);
      assert.equal(after[other], before[other], 'the other endpoint counted nothing');
    });

    it('counts each packet once per direction: one UDP query and its answer are exactly their two IP packets', async () => {
      const svc = await createService(client, 'udp-bytes', { ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] });
      const vip = svc.spec.clusterIP!;
      await putSlice(client, 'udp-bytes', [{ ip: pods[1]! }], UDP_PORTS);
      await eventually(async () => (await net.udp(vip, 53, 40100)) === 'pod-b', 5_000, 'UDP answer from pod-b');
      const bytes = async (): Promise<number> => (await proxy!.traffic()).endpoints.find((e) => e.name === 'udp-bytes')?.bytes ?? 0;
      const before = await bytes();
      assert.equal(await net.udp(vip, 53, 40101), 'pod-b');
      // 20 (IP) + 8 (UDP) + 'q'; back, + 'pod-b'. Twice either way would be a packet counted in two hooks.
      assert.equal((await bytes()) - before, 28 + 1 + (28 + 'pod-b'.length));
    });

    it("UDP: the conntrack entry toward a removed endpoint is deleted; the same flow then reaches the new one", async () => {
      const svc = await createService(client, 'dns', { ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] });
      const vip = svc.spec.clusterIP!;
      await putSlice(client, 'dns', [{ ip: pods[0]! }], UDP_PORTS);
      const entries = async (): Promise<string> => (await net.nodeExec.run(['conntrack', '-L', '-p', 'udp', '--orig-dst', vip])).stdout;
      // The proxy clears the VIP's UDP entries once it first has endpoints (those made while it had
      // none would blackhole the flow), which may come just after the first answer: ask until the
      // answer's entry stays.
      await eventually(
        async () => (await net.udp(vip, 53, 40053)) === 'pod-a' && parseConntrackList(await entries()).some((e) => e.origDst === vip && e.origPortDst === 53 && e.replySrc === pods[0]),
        10_000,
        'UDP answer from pod-a, and its conntrack entry',
      );

      await putSlice(client, 'dns', [{ ip: pods[1]! }], UDP_PORTS);
      await eventually(async () => !(await entries()).includes(`src=${pods[0]} `), 15_000, 'entry toward pod-a deleted');
      // Without the deletion this flow (same source port) would stay on pod-a for the entry's
      // timeout, which every datagram renews. A reply lost under load is asked again; pod-a's fails.
      let answer = 'TIMEOUT';
      for (let tries = 0; answer === 'TIMEOUT' && tries < 3; tries++) answer = await net.udp(vip, 53, 40053);
      assert.equal(answer, 'pod-b');
    });

    it('announces a LoadBalancer address on eth0 while this node is the Ready one, and gives it up when NotReady', async () => {
      await createService(client, 'lb', { type: 'LoadBalancer', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] });
      await client.patch(R.services, 'default', 'lb', 'merge', { status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } }, { subresource: 'status' });
      await putSlice(client, 'lb', [{ ip: pods[1]! }]);
      const onEth0 = async (): Promise<boolean> => (await net.nodeExec.run(['ip', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(`${LB_IP}/32`);
      await eventually(onEth0, 5_000, 'LB address on eth0');
      // The announcer records the address once its `ip addr add` has returned, just after the kernel.
      await eventually(async () => proxy!.announced().length > 0, 5_000, 'the announcer to record the address');
      assert.deepEqual(proxy!.announced(), [LB_IP]);
      // The client finds it by ARP, the node's rules DNAT it to the pod.
      assert.equal(await eventually(async () => ((await net.tcp(LB_IP, 80)) === 'pod-b' ? 'pod-b' : ''), 5_000, 'LB answers'), 'pod-b');

      await setNode(client, 'node-2', 'True');
      await setNode(client, 'node-1', 'Unknown');
      await eventually(async () => !(await onEth0()), 5_000, 'LB address removed after NotReady');
      // The announcer forgets the address once its `ip addr del` has returned, just after the kernel.
      await eventually(async () => proxy!.announced().length === 0, 5_000, 'the announcer to forget the address');
      await setNode(client, 'node-1', 'True');
      await setNode(client, 'node-2', 'Unknown');
      await eventually(onEth0, 5_000, 'LB address back');
    });

    it('stop removes the rules and the announced address', async () => {
      await proxy!.stop();
      proxy = undefined;
      const left = await rules();
      assert.doesNotMatch(left, mode === 'nftables' ? /table ip tinykube/ : /KUBE-/);
      assert.doesNotMatch((await net.nodeExec.run(['ip', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout, new RegExp(LB_IP.replace(/\./g, '\\.')));
    });
  });
}

describe('startProxy asked for ipvs on this kernel (no IP_VS)', () => {
  it('falls back to nftables, says why in an Event on the Node, and programs nftables', async () => {
    requireRootAndTools(['ip', 'nft']);
    const api = await startTestApi({ serviceCIDR: SERVICE_CIDR });
    const client = api.client('test');
    const net = new TestNode().create();
    // The proxy's own timers do not keep a process alive (in a server the API does).
    const alive = setInterval(() => undefined, 1_000);
    try {
      const events = new EventRecorder(client, 'kube-proxy', 'node-1');
      const proxy = await startProxy({ client, log: pino({ level: 'silent' }), events, nodeName: 'node-1', nodeIPs: [NODE_IP], mode: 'ipvs', clusterCIDR: POD_CIDR, execer: net.nodeExec });
      try {
        assert.equal(proxy.mode, 'nftables');
        assert.match(proxy.modeMessage!, /^can't use the IPVS proxier: .*; falling back to the nftables proxier$/);
        assert.equal((await net.nodeExec.run(['nft', 'list', 'table', 'ip', 'tinykube'])).code, 0);
        const event = await eventually(async () => (await client.list(R.events, 'default')).items.find((e) => (e as { reason?: string }).reason === 'ProxyModeFallback'), 5_000, 'fallback Event');
        assert.equal((event as { involvedObject?: { kind: string } }).involvedObject?.kind, 'Node');
      } finally {
        await proxy.stop();
      }
    } finally {
      clearInterval(alive);
      net.destroy();
      await api.close();
    }
  });
});
