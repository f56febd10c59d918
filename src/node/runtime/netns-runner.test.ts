// Container processes in a pod's network namespace, for real: the host runner started on
// `inNetns(ns, argv)` (as pod-worker does) gives a process that sees the pod's eth0, keeps the pid
// and process group (ip netns exec execs it), and whose whole group is killed as on the host.
// Needs root and iproute2; builds a 1-node netns network with its own prefix, removed in after().

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createClusterNetwork, destroyClusterNetwork, listClusterNamespaces } from '../../network/netns/cluster.js';
import { createPodSandbox } from '../../network/netns/sandbox.js';
import { inNetns } from '../pod-placement.js';
import { groupMembers, hostProcessRunner } from './process-runner.js';
import { eventually } from '../../../test/support/eventually.js';

const PREFIX = `tkt-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'tinykube-netns-runner-'));
let podNs = '';

const start = (argv: string[], log: string) => hostProcessRunner.start({ argv: inNetns(podNs, argv), env: { PATH: process.env.PATH! }, logPath: join(dir, log) });

before(async () => {
  assert.equal(process.getuid?.(), 0, 'these tests need root: they create network namespaces');
  const plan = await createClusterNetwork({ prefix: PREFIX, nodes: 1 });
  ({ ns: podNs } = await createPodSandbox({ prefix: PREFIX, node: plan.nodes[0]!, uid: randomUUID(), ip: '10.244.1.9', hostname: 'p', namespace: 'default' }));
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await destroyClusterNetwork(PREFIX);
  assert.deepEqual(await listClusterNamespaces(PREFIX), []);
});

describe('processes in a pod network namespace', () => {
  it("see the pod's eth0 address", async () => {
    const h = start(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'], 'addr.log');
    assert.equal((await h.exited).exitCode, 0);
    assert.match(readFileSync(join(dir, 'addr.log'), 'utf8'), /eth0\s+inet 10\.244\.1\.9\/32 /);
  });

  it('keep their pid in the namespace, and SIGTERM to the group ends the children too', async () => {
    const h = start(['sh', '-c', 'sleep 60 & sleep 60 & wait'], 'group.log');
    const pid = h.pid!;
    await eventually(() => groupMembers(pid).length === 3, 10_000, 'the shell replaced ip and started both sleeps');
    assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'sh');
    assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${statSync(`/run/netns/${podNs}`).ino}]`);
    h.signal('SIGTERM');
    assert.equal((await h.exited).exitCode, 128 + 15);
    assert.deepEqual(groupMembers(pid), []);
  });

  it('leave nothing of their group behind when the main process exits', async () => {
    const h = start(['sh', '-c', 'sleep 60 & echo started'], 'leftover.log');
    const pid = h.pid!;
    assert.equal((await h.exited).exitCode, 0);
    assert.deepEqual(groupMembers(pid), []);
  });
});
