// The rootless network's pure parts: the probe's verdicts, what the host publishes and where
// each connection goes, the host gateway's forwards, and the listener set's reconciling.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Node } from '../../apis/core/nodes.js';
import type { Service } from '../../apis/core/service/types.js';
import { endpointForwards } from './host-gateway.js';
import { ListenerSet } from './listener-set.js';
import { diagnose, type RootlessReadings } from './probe.js';
import { publications, targets } from './publications.js';
import { relayUdp } from './relay.js';
import { publishFailure } from './publisher.js';

const tools = { unshare: true, nsenter: true, ip: true, nft: true };

describe('diagnose', () => {
  const cases: { name: string; r: RootlessReadings; want: ReturnType<typeof diagnose> }[] = [
    { name: 'all there', r: { platform: 'linux', tools, sysctls: {} }, want: { ok: true } },
    { name: 'not Linux', r: { platform: 'darwin', tools, sysctls: {} }, want: { ok: false, cause: 'network namespaces need Linux (this is darwin)', fix: 'run tinykube on Linux (or in a Linux VM)' } },
    { name: 'tools missing', r: { platform: 'linux', tools: { ...tools, ip: false, nft: false }, sysctls: {} }, want: { ok: false, cause: 'ip, nft not found on PATH', fix: 'sudo apt-get install iproute2 nftables' } },
    {
      name: 'Debian sysctl',
      r: { platform: 'linux', tools, sysctls: { 'kernel.unprivileged_userns_clone': '0' }, unshareError: 'unshare failed: Operation not permitted' },
      want: { ok: false, cause: 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)', fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1' },
    },
    {
      name: 'no user namespaces at all',
      r: { platform: 'linux', tools, sysctls: { 'user.max_user_namespaces': '0' }, unshareError: 'unshare failed: No space left on device' },
      want: { ok: false, cause: 'user namespaces are disabled (user.max_user_namespaces=0)', fix: 'sudo sysctl -w user.max_user_namespaces=15000' },
    },
    {
      name: "Ubuntu's AppArmor",
      r: { platform: 'linux', tools, sysctls: { 'kernel.apparmor_restrict_unprivileged_userns': '1', 'user.max_user_namespaces': '63000' }, unshareError: 'mount: permission denied' },
      want: { ok: false, cause: "AppArmor restricts unprivileged user namespaces (Ubuntu's kernel.apparmor_restrict_unprivileged_userns=1)", fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' },
    },
    {
      name: 'another refusal',
      r: { platform: 'linux', tools, sysctls: { 'user.max_user_namespaces': '63000' }, unshareError: 'unshare failed: Invalid argument' },
      want: { ok: false, cause: 'a user namespace could not be created: unshare failed: Invalid argument', fix: 'sudo sysctl -w user.max_user_namespaces=15000' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(diagnose(c.r), c.want));
});

const svc = (name: string, spec: Partial<Service['spec']>, ingress: { ip: string; ipMode?: string }[] = []): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [], ...spec } as Service['spec'],
  status: { loadBalancer: { ingress } },
});

describe('publications', () => {
  it('NodePorts on 127.0.0.1 and Proxy-mode loopback LoadBalancer addresses on their port; TCP only', () => {
    const got = publications([
      svc('cip', { type: 'ClusterIP', ports: [{ port: 80 }] }),
      svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 53, protocol: 'UDP', nodePort: 30053 }] }),
      svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 8080, nodePort: 31000 }] }, [{ ip: '127.240.0.3', ipMode: 'Proxy' }, { ip: '172.20.0.200', ipMode: 'VIP' }]),
      svc('pending', { type: 'LoadBalancer', ports: [{ port: 9000, nodePort: 31001 }] }),
    ]);
    assert.deepEqual(
      got.map((p) => [p.key, p.service, p.nodePort, p.local]),
      [
        ['127.0.0.1:30080/TCP', 'default/np', 30080, false],
        ['127.0.0.1:31000/TCP', 'default/lb', 31000, true],
        ['127.0.0.1:31001/TCP', 'default/pending', 31001, false],
        ['127.240.0.3:8080/TCP', 'default/lb', 31000, true],
      ],
    );
  });

  it('a Service with IPv6 among its families: its NodePorts on [::1] too', () => {
    const got = publications([
      svc('dual', { type: 'NodePort', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80, nodePort: 30080 }] }),
      svc('v6', { type: 'NodePort', ipFamilies: ['IPv6'], ports: [{ port: 80, nodePort: 30081 }] }),
    ]);
    assert.deepEqual(
      got.map((p) => [p.key, p.ip, p.service]),
      [
        ['[::1]:30080/TCP', '::1', 'default/dual'],
        ['[::1]:30081/TCP', '::1', 'default/v6'],
        ['127.0.0.1:30080/TCP', '127.0.0.1', 'default/dual'],
        ['127.0.0.1:30081/TCP', '127.0.0.1', 'default/v6'],
      ],
    );
  });

  it('an LB without node ports publishes nothing', () => {
    assert.deepEqual(publications([svc('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] }, [{ ip: '127.240.0.1', ipMode: 'Proxy' }])]), []);
  });

  it('says what to do when a port cannot be published', () => {
    const [pub] = publications([svc('lb', { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30001 }] }, [{ ip: '127.240.0.1', ipMode: 'Proxy' }])]).filter((p) => p.port === 80);
    assert.equal(
      publishFailure(pub!, Object.assign(new Error('listen EACCES'), { code: 'EACCES' })),
      'Failed to publish 127.240.0.1:80/TCP on this host: permission denied: ports below 1024 need root, or: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80',
    );
    assert.equal(publishFailure(pub!, Object.assign(new Error('x'), { code: 'EADDRINUSE' })), 'Failed to publish 127.240.0.1:80/TCP on this host: address already in use on this host');
  });
});

const node = (name: string, ip: string, ready = true): Node => ({
  metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const slice = (service: string, endpoints: { node: string; ready?: boolean }[]): EndpointSlice => ({
  metadata: { name: `${service}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: endpoints.map((e, i) => ({ addresses: [`10.244.0.${i + 2}`], nodeName: e.node, conditions: { ready: e.ready ?? true } })),
});

describe('targets', () => {
  const nodes = [node('n-3', '172.20.0.13'), node('n-1', '172.20.0.11'), node('n-2', '172.20.0.12', false)];
  const slices = [slice('lb', [{ node: 'n-3' }, { node: 'n-2' }, { node: 'n-1', ready: false }]), slice('other', [{ node: 'n-1' }])];
  const pub = { key: 'k', ip: '127.0.0.1', port: 1, protocol: 'TCP', service: 'default/lb', nodePort: 30000 };
  it('Cluster: every Ready node, by name', () => assert.deepEqual(targets({ ...pub, local: false }, nodes, slices), ['172.20.0.11', '172.20.0.13']));
  it('Local: Ready nodes with a ready endpoint of the Service', () => assert.deepEqual(targets({ ...pub, local: true }, nodes, slices), ['172.20.0.13']));
  it('from [::1]: the nodes\' IPv6 addresses', () => {
    const dual = (name: string, v4: string, v6: string): Node => ({
      metadata: { name },
      status: { addresses: [{ type: 'InternalIP', address: v4 }, { type: 'InternalIP', address: v6 }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const both = [dual('n-2', '172.20.0.12', 'fd00:20::12'), dual('n-1', '172.20.0.11', 'fd00:20::11')];
    assert.deepEqual(targets({ ...pub, ip: '::1', local: false }, both, slices), ['fd00:20::11', 'fd00:20::12']);
    assert.deepEqual(targets({ ...pub, local: false }, both, slices), ['172.20.0.11', '172.20.0.12']);
  });
});

describe('endpointForwards', () => {
  it('ports of endpoints at the host gateway, to the same port on 127.0.0.1, reserved ones left out', () => {
    const s = (ports: { port: number; protocol?: string }[], ip: string): EndpointSlice => ({ metadata: { name: 'x' }, addressType: 'IPv4', endpoints: [{ addresses: [ip] }], ports });
    assert.deepEqual(endpointForwards([s([{ port: 5432 }, { port: 53, protocol: 'UDP' }, { port: 7, protocol: 'SCTP' }], '172.20.0.1'), s([{ port: 9999 }], '10.244.1.2')], new Set(['53/UDP'])), [
      { key: '5432/TCP', port: 5432, protocol: 'TCP', to: { host: '127.0.0.1', port: 5432 } },
    ]);
  });
});

describe('ListenerSet', () => {
  it('opens what is wanted, closes the rest, reports a failure once until the item changes', async () => {
    const log: string[] = [];
    const set = new ListenerSet<{ key: string; v: number }>(
      async (item) => {
        if (item.key === 'bad') throw Object.assign(new Error('nope'), { code: 'EACCES' });
        log.push(`open ${item.key}`);
        return { close: () => log.push(`close ${item.key}`) };
      },
      (item) => log.push(`failed ${item.key}/${item.v}`),
    );
    await set.reconcile([{ key: 'a', v: 1 }, { key: 'bad', v: 1 }]);
    await set.reconcile([{ key: 'a', v: 2 }, { key: 'bad', v: 1 }, { key: 'b', v: 1 }]);
    assert.equal(set.current('a')?.v, 2, 'the listener serves what is wanted now');
    await set.reconcile([{ key: 'b', v: 1 }, { key: 'bad', v: 2 }]);
    await set.close();
    assert.deepEqual(log, ['open a', 'failed bad/1', 'open b', 'close a', 'failed bad/2', 'close b']);
  });
});

describe('relayUdp', () => {
  it('relays each client to the target from its own socket, and the answers back', async () => {
    const target = dgram.createSocket('udp4');
    target.on('message', (m, from) => target.send(`${m}:${from.port}`, from.port, from.address));
    await new Promise<void>((r) => target.bind(0, '127.0.0.1', r));
    const front = dgram.createSocket('udp4');
    await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
    const relay = relayUdp(front, { host: '127.0.0.1', port: target.address().port });
    const ask = async (text: string): Promise<string> => {
      const c = dgram.createSocket('udp4');
      const answer = new Promise<string>((r) => c.once('message', (m) => r(String(m))));
      c.send(text, front.address().port, '127.0.0.1');
      const a = await answer;
      c.close();
      return a;
    };
    const [a, b] = await Promise.all([ask('one'), ask('two')]);
    assert.match(a, /^one:\d+$/);
    assert.match(b, /^two:\d+$/);
    assert.notEqual(a.split(':')[1], b.split(':')[1], 'one upstream socket per client');
    assert.equal(relay.flows(), 2);
    relay.close();
    target.close();
  });
});
