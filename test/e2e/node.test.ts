// The node agent as a user meets it through kubectl: a Node that is Ready, pods that run with their
// own IPs, a failing readiness probe that keeps a pod 0/1, deletion (Terminating until the pod's
// processes are gone), and a stop of `tinykube up` that leaves no pod process behind (and a start
// that runs the pods again).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Tinykube, eventually, rows } from './harness.js';

/** Pids of processes whose environment holds `marker` (each pod of this file carries it). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone, or not ours.
    }
  }
  return found;
}

/** The HTTP status curl gets from IP:80, '000' when nothing answers. */
function curlCode(ip: string): string {
  return spawnSync('curl', ['-s', '-m', '2', '-o', '/dev/null', '-w', '%{http_code}', `http://${ip}:80/`], { encoding: 'utf8' }).stdout;
}

describe('node agent through kubectl', () => {
  let t: Tinykube;
  const marker = `TINYKUBE_E2E=${randomBytes(6).toString('hex')}`;

  before(async () => {
    t = await Tinykube.start();
  });
  after(async () => {
    await t?.destroy();
  });

  const podRow = (name: string): string[] | undefined => rows(t.k(['get', 'pods', '-o', 'wide'])).find((r) => r[0] === name);

  it('registers a Ready node with its version and addresses', async () => {
    const row = await eventually(() => rows(t.k(['get', 'nodes', '-o', 'wide']))[0], 20_000, 'a node');
    assert.equal(row[1], 'Ready');
    assert.equal(row[4], 'v1.32.0-tinykube');
    assert.equal(row[5], '127.0.0.1');
    assert.match(row[9], /^tinykube:\/\/0\.1$/);
  });

  it('kubectl run gives a Running 1/1 pod with its own IP on the node', async () => {
    t.k(['run', 'sleeper', '--image=busybox', `--env=${marker}`, '--', 'sleep', '3600']);
    const row = (await eventually(() => {
      const r = podRow('sleeper');
      return r && r[1] === '1/1' && r[2] === 'Running' ? r : undefined;
    }, 30_000, 'sleeper Running 1/1'))!;
    assert.match(row[5], /^127\.244\.\d+\.\d+$/);
    assert.equal(row[6], rows(t.k(['get', 'nodes']))[0][0]);
    assert.equal(processesWith(marker).length, 1);
  });

  it('a failing readiness probe keeps the pod 0/1 and says why', async () => {
    const manifest = t.manifest(
      'unready.yaml',
      `apiVersion: v1
kind: Pod
metadata:
  name: unready
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    env: [{ name: ${marker.split('=')[0]}, value: "${marker.split('=')[1]}" }]
    readinessProbe:
      exec: { command: ["/bin/sh", "-c", "exit 1"] }
      periodSeconds: 1
`,
    );
    t.k(['apply', '-f', manifest]);
    await eventually(() => t.k(['describe', 'pod', 'unready']).includes('Readiness probe failed'), 30_000, 'an Unhealthy event');
    const row = podRow('unready')!;
    assert.deepEqual([row[1], row[2]], ['0/1', 'Running']);
  });

  it('stopping tinykube leaves no pod process; starting again runs the pods with their IPs', async () => {
    const ip = podRow('sleeper')![5];
    assert.equal(processesWith(marker).length, 2);
    await t.down();
    assert.deepEqual(processesWith(marker), []);
    await t.up();
    const row = (await eventually(() => {
      const r = podRow('sleeper');
      return r && r[1] === '1/1' && r[2] === 'Running' ? r : undefined;
    }, 30_000, 'sleeper running again'))!;
    assert.equal(row[5], ip);
    assert.match(row[3], /^1 /, 'the lost run counts as a restart');
  });

  it('a deleted pod stays Terminating until its server has exited: after kubectl delete nothing answers on its IP', async () => {
    // The built-in nginx keeps answering for a second after SIGTERM (as a preStop sleep would).
    t.k(['run', 'web', '--image=nginx', '--port=80']);
    const ip = (await eventually(() => {
      const r = podRow('web');
      return r && r[1] === '1/1' ? r[5] : undefined;
    }, 30_000, 'web Running 1/1'))!;
    await eventually(() => curlCode(ip) === '200', 10_000, 'nginx answering');
    t.k(['delete', 'pod', 'web', '--wait=false']);
    const meta = JSON.parse(t.k(['get', 'pod', 'web', '-o', 'json'])).metadata;
    assert.ok(meta.deletionTimestamp, 'the pod is still there, being deleted');
    assert.equal(meta.deletionGracePeriodSeconds, 30);
    assert.equal(podRow('web')![2], 'Terminating');
    t.k(['delete', 'pod', 'web', '--ignore-not-found']);
    assert.equal(curlCode(ip), '000', 'nothing answers on the old IP once kubectl delete returned');
  });

  it('kubectl delete stops the pod and removes it', async () => {
    t.k(['delete', 'pod', 'sleeper', 'unready', '--grace-period=2']);
    assert.equal(podRow('sleeper'), undefined);
    assert.deepEqual(processesWith(marker), []);
  });
});
