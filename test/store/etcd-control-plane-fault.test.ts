// A control plane on a 3-member etcd loses a member (SIGKILL; the leader, or a follower) during a
// stream of creates through its HTTPS API: every acknowledged write stays readable with its
// content, the API keeps serving, and a watch and an informer opened before the kill see every
// write made after it.
// The figures (failed writes, how long writes stalled) go to the test's diagnostics.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { R } from '../../src/client/client.js';
import { Informer } from '../../src/client/informer.js';
import type { KubeObject } from '../../src/apis/types.js';
import { eventually } from '../support/eventually.js';
import { startTestControlPlane, type TestControlPlane } from './control-plane.js';
import { type EtcdCluster, type EtcdMember, leaderOf, startEtcd } from './etcd-process.js';

const NS = 'default';
const BEFORE_KILL = 100;
const AFTER_KILL = 100;
const IN_FLIGHT = 4;

const lease = (name: string): KubeObject =>
  ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: `holder of ${name}`, leaseDurationSeconds: 15 } }) as KubeObject;

/** A member other than the leader: the kill costs no election, only the calls it was serving. */
async function followerOf(members: EtcdMember[]): Promise<EtcdMember> {
  const leader = await leaderOf(members);
  return members.find((m) => m !== leader)!;
}

/** The member holding the client's watch stream (etcd3 multiplexes every watch on one), so
 *  that its loss makes every watch re-attach elsewhere. */
async function watchServerOf(members: EtcdMember[]): Promise<EtcdMember> {
  for (const m of members) {
    const metrics = await (await fetch(`${m.endpoint}/metrics`)).text();
    if (/^etcd_debugging_mvcc_watch_stream_total [1-9]/m.test(metrics)) return m;
  }
  throw new Error('no etcd member serves a watch stream');
}

describe('a control plane on a 3-member etcd that loses a member', () => {
  for (const [role, pick] of [
    ['leader', leaderOf],
    ['follower', followerOf],
    ['member serving the watches', watchServerOf],
  ] as const) {
    it(`etcd ${role} killed: no acknowledged write is lost, the API keeps serving, watches go on`, async (t) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-etcd-fault-'));
      let etcd: EtcdCluster | undefined;
      let running: TestControlPlane | undefined;
      let informer: Informer | undefined;
      let cancelWatch = (): void => {};
      try {
        etcd = await startEtcd({ members: 3 });
        const options = { datastoreEndpoints: etcd.endpoints, disable: new Set(['node', 'proxy', 'dns', 'controllers']) };
        running = await startTestControlPlane(dataDir, options);
        const { client } = running;

        // Watchers opened before the stream: a raw watch (it must never end) and an informer.
        const watched: string[] = [];
        const watchEnds: (Error | undefined)[] = [];
        const from = (await client.list(R.leases, NS)).resourceVersion;
        const w = await client.watch(R.leases, NS, { resourceVersion: from }, {
          event: (type, obj) => type === 'ADDED' && watched.push(obj.metadata.name!),
          end: (err) => watchEnds.push(err),
        });
        cancelWatch = () => w.cancel();
        informer = new Informer(client, R.leases, { namespace: NS });
        await informer.start();

        const acked = new Map<string, KubeObject>();
        const failures: string[] = [];
        let next = 0;
        let killedAt: number | undefined;
        let kill: Promise<void> | undefined;
        let killFailed: unknown;
        let firstAckAfterKill: number | undefined;
        let ackedAfterKill = 0;
        let slowest = 0;
        const deadline = Date.now() + 60_000;
        const writer = async (): Promise<void> => {
          while (ackedAfterKill < AFTER_KILL && !killFailed) {
            assert.ok(Date.now() < deadline, `writes did not recover: ${failures.slice(-3).join('; ')}`);
            if (acked.size >= BEFORE_KILL && !kill) {
              kill = pick(etcd!.members).then(async (m) => {
                await m.kill();
                killedAt = performance.now();
                t.diagnostic(`killed etcd ${role} ${m.name} (${m.endpoint}) after ${acked.size} acknowledged creates`);
              }, (err: unknown) => void (killFailed = err));
            }
            const name = `w-${String(next++).padStart(5, '0')}`;
            const started = performance.now();
            try {
              acked.set(name, await client.create(R.leases, NS, lease(name)));
              slowest = Math.max(slowest, performance.now() - started);
              if (killedAt !== undefined && started > killedAt) {
                ackedAfterKill++;
                firstAckAfterKill ??= performance.now();
              }
            } catch (err) {
              // Unacknowledged: it may or may not have landed.
              failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, writer));
        if (killFailed) throw killFailed;
        t.diagnostic(
          `${acked.size} creates acknowledged, ${failures.length} failed; slowest acknowledged create ${slowest.toFixed(0)} ms; ` +
            `first create started after the kill acknowledged ${(firstAckAfterKill! - killedAt!).toFixed(0)} ms after it`,
        );
        for (const f of failures.slice(0, 5)) t.diagnostic(`failed: ${f}`);

        // Every acknowledged create is there as acknowledged; nothing else but failed attempts.
        const stored = new Map((await client.list(R.leases, NS)).items.map((o) => [o.metadata.name!, o]));
        for (const [name, obj] of acked) assert.deepEqual(stored.get(name), obj, `acknowledged create ${name}`);
        assert.ok(stored.size <= acked.size + failures.length);

        // The watch went on across the member loss: every stored object once, and it never ended.
        await eventually(() => watched.length >= stored.size, 10_000, 'the watch to catch up');
        assert.deepEqual([...watched].sort(), [...stored.keys()].sort());
        assert.deepEqual(watchEnds, []);
        await eventually(() => informer!.list(NS).length === stored.size, 10_000, 'the informer to catch up');

        // A server started with the dead member still in its endpoints comes up and serves.
        informer.stop();
        cancelWatch();
        await running.stop();
        running = undefined;
        const restartedAt = performance.now();
        running = await startTestControlPlane(dataDir, options);
        const again = new Map((await running.client.list(R.leases, NS)).items.map((o) => [o.metadata.name!, o]));
        assert.deepEqual(again, stored);
        await running.client.create(R.leases, NS, lease('after-restart'));
        t.diagnostic(`a server listing the dead member started, listed and created in ${(performance.now() - restartedAt).toFixed(0)} ms`);
      } finally {
        cancelWatch();
        informer?.stop();
        await running?.stop();
        await etcd?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
