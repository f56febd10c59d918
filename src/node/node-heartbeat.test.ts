import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import type { Node } from '../apis/core/nodes.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { microTime, type HostFacts } from './node-object.js';
import { eventually } from '../../test/support/eventually.js';

const host: HostFacts = { cpus: 4, memoryBytes: 8 * 1024 ** 3, kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', architecture: 'amd64', machineID: 'm1', bootID: 'b1' };
const params = { nodeName: 'n1', nodeIPs: ['127.0.0.1'], podCIDRs: ['127.244.0.0/16'], host };
/** Polls until read() gives want (the write after a timer lands asynchronously). */
const until = (read: () => Promise<string>, want: string): Promise<boolean> => eventually(async () => (await read()) === want, 5_000, `an answer of ${want}`);

describe('NodeHeartbeat', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  it('registers the node with capacity, labels and system info', async () => {
    const clock = new FakeClock();
    const hb = new NodeHeartbeat(api.client('kubelet'), params, clock, pino({ level: 'silent' }));
    await hb.start();
    hb.stop();
    const node = await api.client().get<Node>(R.nodes, undefined, 'n1');
    assert.deepEqual(node.status?.capacity, { cpu: '4', memory: '8388608Ki', pods: '110' });
    assert.deepEqual(node.status?.allocatable, node.status?.capacity);
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'n1');
    assert.equal(node.metadata.labels?.['kubernetes.io/arch'], 'amd64');
    assert.deepEqual(node.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
    assert.equal(node.status?.nodeInfo?.osImage, 'Debian GNU/Linux 12 (bookworm)');
    assert.deepEqual(node.spec?.podCIDRs, ['127.244.0.0/16']);
  });

  it('renews the Lease every 10 s and the status every 30 s; a restart takes the node over', async () => {
    const clock = new FakeClock(Date.UTC(2026, 1, 1));
    const client = api.client('kubelet');
    const hb = new NodeHeartbeat(client, params, clock, pino({ level: 'silent' }));
    await hb.start();
    const renewTime = async (): Promise<string> => (await client.get(R.leases, 'kube-node-lease', 'n1')).spec.renewTime;
    const heartbeat = async (): Promise<string> =>
      ((await client.get<Node>(R.nodes, undefined, 'n1')).status!.conditions!.find((c) => c.type === 'Ready') as unknown as { lastHeartbeatTime: string }).lastHeartbeatTime;
    assert.equal(await renewTime(), microTime(new Date(clock.now())));
    const started = await heartbeat();
    clock.advance(10_000);
    await until(renewTime, '2026-02-01T00:00:10.000000Z');
    assert.equal(await heartbeat(), started);
    clock.advance(20_000);
    await until(heartbeat, '2026-02-01T00:00:30Z');
    hb.stop();
    const lease = await client.get(R.leases, 'kube-node-lease', 'n1');
    assert.equal(lease.metadata.ownerReferences?.[0]?.kind, 'Node');
  });
});
