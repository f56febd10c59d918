// The node agent against an in-process API, running real processes on loopback addresses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R, type Client } from '../client/client.js';
import type { Pod } from '../apis/core/pods.js';
import type { Node } from '../apis/core/nodes.js';
import type { KubeObject } from '../apis/types.js';
import { startNodeAgent, type NodeAgent } from './agent.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { ApiContainerStatus } from './pod-status.js';
import { groupMembers, hostProcessRunner, type ProcessRunner } from './runtime/process-runner.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: 'silent' });
const NODE = 'node-a';
const POD_CIDR = '127.247.20.0/24';

/** Starts processes for real and remembers their process groups. */
function trackingRunner(pids: number[]): ProcessRunner {
  return {
    start(spec) {
      const h = hostProcessRunner.start(spec);
      if (h.pid) pids.push(h.pid);
      return h;
    },
  };
}

const groupAlive = (pid: number): boolean => groupMembers(pid).length > 0;

function podManifest(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'busybox:1.36', ...container }], ...spec },
  };
}

const SLEEPER = { command: ['/bin/sh', '-c', 'echo hi; exec sleep 30'] };
const HTTP_SERVER = (code: number): Record<string, unknown> => ({
  command: [process.execPath, '-e', `require('http').createServer((q, s) => { s.statusCode = ${code}; s.end('x'); }).listen(8080, process.env.POD_IP)`],
  ports: [{ containerPort: 8080, name: 'http' }],
});

describe('node agent', () => {
  let api: TestApi;
  let client: Client;
  let dataDir: string;
  let agent: NodeAgent | undefined;
  const pids: number[] = [];

  const start = async (clock?: FakeClock): Promise<NodeAgent> =>
    (agent = await startNodeAgent({
      client,
      log,
      nodeName: NODE,
      dataDir,
      podCIDRs: [POD_CIDR],
      nodeIPs: ['127.0.0.1'],
      shutdownGraceMs: 500,
      runner: trackingRunner(pids),
      ...(clock ? { clock } : {}),
    }));
  const getPod = (name: string): Promise<Pod> => client.get<Pod>(R.pods, 'default', name);
  const main = (pod: Pod): ApiContainerStatus => pod.status!.containerStatuses![0] as unknown as ApiContainerStatus;
  const cond = (pod: Pod, type: string): string | undefined => pod.status?.conditions?.find((c) => c.type === type)?.status;

  before(async () => {
    api = await startTestApi();
    client = api.client('node-test');
    dataDir = mkdtempSync(join(tmpdir(), 'tinykube-node-'));
  });

  after(async () => {
    await agent?.stop();
    for (const pid of pids) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers its Node and a heartbeat Lease', async () => {
    await start();
    const node = await client.get<Node>(R.nodes, undefined, NODE);
    assert.equal(node.spec?.podCIDR, POD_CIDR);
    assert.deepEqual(node.status?.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: NODE },
    ]);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0-tinykube');
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'tinykube://0.1');
    const lease = await client.get(R.leases, 'kube-node-lease', NODE);
    assert.equal(lease.spec.holderIdentity, NODE);
  });

  it('runs a pod: Running, Ready, an IP of the pod CIDR, output in the log file', async () => {
    await client.create(R.pods, 'default', podManifest('sleeper', SLEEPER));
    const pod = await eventually(async () => {
      const p = await getPod('sleeper');
      return cond(p, 'Ready') === 'True' ? p : undefined;
    }, 15_000, 'sleeper ready');
    assert.equal(pod.status?.phase, 'Running');
    assert.match(pod.status?.podIP ?? '', /^127\.247\.20\.\d+$/);
    assert.equal(pod.status?.hostIP, '127.0.0.1');
    const cs = main(pod);
    assert.ok(cs.state.running);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.match(String(cs.containerID), /^tinykube:\/\/[0-9a-f]{64}$/);
    const logFile = join(dataDir, 'pods', `default_sleeper_${pod.metadata.uid}`, 'main', '0.log');
    await eventually(async () => readFileSync(logFile, 'utf8').includes('hi'), 15_000, 'log output');
  });

  it('readiness probes drive Ready: a 200 makes it ready, a 500 keeps it not ready', async () => {
    const probe = { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 };
    await client.create(R.pods, 'default', podManifest('web-ok', { ...HTTP_SERVER(200), readinessProbe: probe }));
    await client.create(R.pods, 'default', podManifest('web-bad', { ...HTTP_SERVER(500), readinessProbe: { ...probe, failureThreshold: 1 } }));
    await eventually(async () => cond(await getPod('web-ok'), 'Ready') === 'True', 15_000, 'web-ok ready');
    // Until the server listens the probe is refused; then it answers 500.
    await eventually(async () => {
      const { items } = await client.list(R.events, 'default');
      return items.find(
        (e) =>
          e.reason === 'Unhealthy' &&
          (e.involvedObject as { name: string }).name === 'web-bad' &&
          e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 500',
      );
    }, 15_000, 'an Unhealthy event for the 500');
    const bad = await getPod('web-bad');
    assert.equal(bad.status?.phase, 'Running');
    assert.equal(cond(bad, 'Ready'), 'False');
    assert.equal(bad.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'ContainersNotReady');
  });

  it('gives every pod its own IP; a hostNetwork pod has the node IP', async () => {
    const ips = await Promise.all(['sleeper', 'web-ok', 'web-bad'].map(async (n) => (await getPod(n)).status?.podIP));
    assert.equal(new Set(ips).size, 3);
    await client.create(R.pods, 'default', podManifest('host-net', SLEEPER, { hostNetwork: true }));
    await eventually(async () => (await getPod('host-net')).status?.podIP === '127.0.0.1', 15_000, 'host-net running');
  });

  it('a deleted pod is stopped (SIGTERM to its group) and then removed from the API', async () => {
    const before = pids.length;
    await client.create(R.pods, 'default', podManifest('doomed', SLEEPER));
    await eventually(async () => (await getPod('doomed')).status?.phase === 'Running', 15_000, 'doomed running');
    const pid = pids[before];
    assert.ok(groupAlive(pid));
    await client.delete(R.pods, 'default', 'doomed');
    await eventually(async () => {
      try {
        await getPod('doomed');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    }, 15_000, 'doomed gone');
    assert.equal(groupAlive(pid), false);
  });

  it('stop leaves no process; a new start runs the pods again with their IPs and a restart counted', async () => {
    const before = await getPod('sleeper');
    await agent!.stop();
    agent = undefined;
    for (const pid of pids) assert.equal(groupAlive(pid), false, `process group ${pid} survived the stop`);
    await start();
    const after = await eventually(async () => {
      const p = await getPod('sleeper');
      return p.status?.containerStatuses?.[0]?.restartCount === 1 && cond(p, 'Ready') === 'True' ? p : undefined;
    }, 15_000, 'sleeper running again');
    assert.equal(after.status?.podIP, before.status?.podIP);
    const last = main(after).lastState.terminated;
    assert.deepEqual([last?.reason, last?.exitCode], ['Unknown', 255]);
  });

  it('restarts a crashing container with back-off: CrashLoopBackOff, 10 s, then 20 s', async () => {
    await agent!.stop();
    const clock = new FakeClock(Date.now());
    await start(clock);
    await client.create(R.pods, 'default', podManifest('crasher', { command: ['/bin/sh', '-c', 'exit 3'] }));
    const waiting = async (restarts: number): Promise<{ reason: string; message?: string }> =>
      eventually(async () => {
        const cs = main(await getPod('crasher'));
        const w = cs.state.waiting;
        return cs.restartCount === restarts && w?.reason === 'CrashLoopBackOff' ? w : undefined;
      }, 15_000, `crasher in back-off after ${restarts} restarts`);
    // The first restart is immediate; the second waits 10 s of the (fake) clock.
    assert.match((await waiting(1)).message ?? '', /^back-off 10s restarting failed container=main pod=crasher_default\(/);
    clock.advance(10_000);
    assert.match((await waiting(2)).message ?? '', /^back-off 20s /);
    const pod = await getPod('crasher');
    assert.equal(pod.status?.phase, 'Running');
    const last = main(pod).lastState.terminated;
    assert.deepEqual([last?.exitCode, last?.reason], [3, 'Error']);
  });

  it('restartPolicy decides what a finished pod becomes', async () => {
    const cases = [
      { name: 'never-ok', policy: 'Never', script: 'exit 0', phase: 'Succeeded', reason: 'Completed' },
      { name: 'never-fail', policy: 'Never', script: 'exit 2', phase: 'Failed', reason: 'Error' },
      { name: 'onfailure-ok', policy: 'OnFailure', script: 'exit 0', phase: 'Succeeded', reason: 'Completed' },
    ];
    for (const c of cases) await client.create(R.pods, 'default', podManifest(c.name, { command: ['/bin/sh', '-c', c.script] }, { restartPolicy: c.policy }));
    for (const c of cases) {
      const pod = await eventually(async () => {
        const p = await getPod(c.name);
        return p.status?.phase === c.phase ? p : undefined;
      }, 15_000, `${c.name} ${c.phase}`);
      assert.equal(main(pod).state.terminated?.reason, c.reason, c.name);
      assert.equal(main(pod).restartCount, 0, c.name);
    }
  });
});
