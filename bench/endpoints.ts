// Endpoint controllers under churn, against the in-process API: 1,000 Services × 10 pods, then
// pods flip between Ready and not Ready. Prints the latency from a pod's status write to its
// EndpointSlice showing the change (p50/p99), next to the latency of the status write itself
// measured in the same run (the floor any controller reaction adds to), and the store writes
// each pod change costs (store revisions before/after, the status write included).
//
//   npx tsx bench/endpoints.ts [--services 1000] [--pods 10] [--changes 2000] [--inflight 20]

import { parseArgs } from 'node:util';
import pino from 'pino';
import { startTestApi } from '../test/support/api.js';
import { R } from '../src/client/client.js';
import { EventRecorder } from '../src/client/events.js';
import type { EndpointSlice } from '../src/apis/discovery/endpointslices.js';
import { startServiceControllers } from '../src/controllers/services.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '10' },
    changes: { type: 'string', default: '2000' },
    inflight: { type: 'string', default: '20' },
  },
});
const SERVICES = Number(values.services);
const PODS = Number(values.pods);
const CHANGES = Number(values.changes);
const INFLIGHT = Number(values.inflight);
const NS = 'default';

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n: number): string => `${n.toFixed(2)} ms`;
const podName = (s: number, p: number): string => `svc-${s}-pod-${p}`;
const podIP = (s: number, p: number): string => {
  const n = s * PODS + p + 1;
  return `127.244.${n >> 8}.${n & 255}`;
};

const api = await startTestApi();
const client = api.client('bench');
await client.create(R.nodes, undefined, { metadata: { name: 'node1' } });

const status = (s: number, p: number, ready: boolean) => ({
  status: { phase: 'Running', podIP: podIP(s, p), podIPs: [{ ip: podIP(s, p) }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

let t = performance.now();
// Services side by side (the API waits on the store between writes), each with its pods.
await Promise.all(
  Array.from({ length: 16 }, async (_, lane) => {
    for (let s = lane; s < SERVICES; s += 16) {
      await client.create(R.services, NS, { metadata: { name: `svc-${s}` }, spec: { selector: { svc: String(s) }, ports: [{ port: 80, targetPort: 8080 }] } });
      for (let p = 0; p < PODS; p++) {
        await client.create(R.pods, NS, {
          metadata: { name: podName(s, p), labels: { svc: String(s) } },
          spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 8080 }] }] },
        });
        await client.patch(R.pods, NS, podName(s, p), 'merge', status(s, p, true), { subresource: 'status' });
      }
    }
  }),
);
console.log(`setup: ${SERVICES} Services, ${SERVICES * PODS} Ready pods in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// Watch slices: a pod change is seen once an event shows its endpoint with the wanted readiness.
const waiting = new Map<string, { ready: boolean; since: number; seen: (latency: number) => void }>();
let sliceEvents = 0;
const watch = await client.watch<EndpointSlice>(R.endpointSlices, NS, { resourceVersion: String(await api.store.currentRevision()) }, {
  event: (type, slice) => {
    sliceEvents++;
    if (type === 'DELETED') return;
    for (const e of slice.endpoints ?? []) {
      const w = waiting.get(e.targetRef?.name ?? '');
      if (w && e.conditions?.ready === w.ready) {
        waiting.delete(e.targetRef!.name!);
        w.seen(performance.now() - w.since);
      }
    }
  },
  end: () => undefined,
});

const ctrlClient = api.client('kube-controller-manager');
t = performance.now();
const before = await api.store.currentRevision();
const initial = new Promise<void>((resolve) => {
  let left = SERVICES * PODS;
  for (let s = 0; s < SERVICES; s++)
    for (let p = 0; p < PODS; p++)
      waiting.set(podName(s, p), { ready: true, since: t, seen: () => --left === 0 && resolve() });
});
const controllers = await startServiceControllers({ client: ctrlClient, log: pino({ level: 'silent' }), events: new EventRecorder(ctrlClient, 'bench'), lbPools: [] });
await initial;
const initialWrites = (await api.store.currentRevision()) - before;
console.log(`initial sync: every endpoint in a slice after ${((performance.now() - t) / 1000).toFixed(2)} s, ${initialWrites} store writes (slices and Endpoints for ${SERVICES} Services)`);

/** Flips one pod and resolves with [status write latency, slice latency]. */
async function flip(s: number, p: number, ready: boolean): Promise<[number, number]> {
  const start = performance.now();
  const seen = new Promise<number>((resolve) => waiting.set(podName(s, p), { ready, since: start, seen: resolve }));
  await client.patch(R.pods, NS, podName(s, p), 'merge', status(s, p, ready), { subresource: 'status' });
  const write = performance.now() - start;
  return [write, await seen];
}

// Churn: `inflight` pods changing at any time, each a random pod of a random Service.
const readyNow = new Map<string, boolean>();
const busy = new Set<string>();

interface Phase {
  inflight: number;
  seconds: number;
  writes: number;
  write: number[];
  slice: number[];
}

async function churn(changes: number, inflight: number): Promise<Phase> {
  await new Promise((r) => setTimeout(r, 300)); // let earlier writes settle
  const phase: Phase = { inflight, seconds: 0, writes: 0, write: [], slice: [] };
  const before = await api.store.currentRevision();
  const start = performance.now();
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < changes) {
      started++;
      let s: number, p: number;
      do [s, p] = [Math.floor(Math.random() * SERVICES), Math.floor(Math.random() * PODS)];
      while (busy.has(podName(s, p)));
      busy.add(podName(s, p));
      const ready = !(readyNow.get(podName(s, p)) ?? true);
      readyNow.set(podName(s, p), ready);
      const [w, l] = await flip(s, p, ready);
      busy.delete(podName(s, p));
      phase.write.push(w);
      phase.slice.push(l);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  phase.seconds = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 300)); // the Endpoints writes trail the slices
  phase.writes = (await api.store.currentRevision()) - before;
  phase.write.sort((a, b) => a - b);
  phase.slice.sort((a, b) => a - b);
  return phase;
}

const phases = [await churn(Math.min(CHANGES, 500), 1), await churn(CHANGES, INFLIGHT)];

// A burst: every pod of one Service turns not Ready at once.
const burstBefore = await api.store.currentRevision();
await Promise.all(Array.from({ length: PODS }, (_, p) => flip(0, p, !(readyNow.get(podName(0, p)) ?? true))));
await new Promise((r) => setTimeout(r, 300));
const burstSlices = (await client.list<EndpointSlice>(R.endpointSlices, NS, { labelSelector: 'kubernetes.io/service-name=svc-0' })).items;
const burstWrites = (await api.store.currentRevision()) - burstBefore - PODS;

for (const ph of phases) {
  const [w50, w99, l50, l99] = [percentile(ph.write, 50), percentile(ph.write, 99), percentile(ph.slice, 50), percentile(ph.slice, 99)];
  console.log(`churn: ${ph.write.length} pod readiness changes, ${ph.inflight} in flight, ${(ph.write.length / ph.seconds).toFixed(0)} changes/s`);
  console.log(`  pod status write (peer)       p50 ${ms(w50)}  p99 ${ms(w99)}`);
  console.log(`  status write → slice updated  p50 ${ms(l50)}  p99 ${ms(l99)}  (${(l50 / w50).toFixed(1)}× / ${(l99 / w99).toFixed(1)}× the status write)`);
  console.log(`  store writes per pod change   ${(ph.writes / ph.write.length).toFixed(2)} (the status write, its slice, its Endpoints: 3 at best)`);
}
console.log(`burst: ${PODS} pods of one Service at once → ${burstWrites} controller writes (${burstSlices.length} slice), ${sliceEvents} slice events seen in all`);

watch.cancel();
controllers.stop();
await api.close();
