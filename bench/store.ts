// Store benchmark: writes/s (one at a time, and many in flight) and watch latency (from the
// write's call to the event reaching onEvents) on the SQLite store and on etcd (1 and 3
// members on loopback), in the same run.
//
//   npx tsx bench/store.ts [--writes 2000] [--concurrency 32] [--members 1,3]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEtcdStore } from '../src/store/etcd/etcd-store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store, WatchEvent } from '../src/store/store.js';
import { startEtcd } from '../test/store/etcd-process.js';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    members: { type: 'string', default: '1,3' },
  },
});
const WRITES = Number(values.writes);
const CONCURRENCY = Number(values.concurrency);
const MEMBERS = values.members.split(',').filter(Boolean).map(Number);

interface Figures {
  name: string;
  serial: number;
  parallel: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, store: Store): Promise<Figures> {
  const serialStart = performance.now();
  for (let i = 0; i < WRITES; i++) await store.create(`/bench/serial/${i}`, JSON.stringify({ i }));
  const serial = WRITES / ((performance.now() - serialStart) / 1000);

  let next = 0;
  const worker = async () => {
    while (next < WRITES) await store.create(`/bench/parallel/${next++}`, JSON.stringify({ next }));
  };
  const parallelStart = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const parallel = WRITES / ((performance.now() - parallelStart) / 1000);

  // Watch latency, one write at a time so each measures a quiet pipeline.
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let waiting: (() => void) | undefined;
  const w = store.watch('/bench/watch/', {
    afterRevision: await store.currentRevision(),
    onEvents: (events: WatchEvent[]) => {
      for (const e of events) latencies.push(performance.now() - sent.get(e.kv.key)!);
      waiting?.();
    },
    onError: (err) => console.error(`${name}: watch failed`, err),
  });
  const samples = Math.min(WRITES, 1000);
  for (let i = 0; i < samples; i++) {
    const key = `/bench/watch/${i}`;
    const delivered = new Promise<void>((resolve) => (waiting = resolve));
    sent.set(key, performance.now());
    await store.create(key, 'x');
    await delivered;
  }
  w.cancel();
  latencies.sort((a, b) => a - b);
  return { name, serial, parallel, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const results: Figures[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-store-'));
try {
  const sqlite = await openSqliteStore(join(dir, 'state.db'), { compactIntervalMs: 0 });
  results.push(await measure('sqlite', sqlite));
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const members of MEMBERS) {
  const etcd = await startEtcd({ members });
  try {
    const store = await openEtcdStore(etcd.endpoints, { prefix: '/tinykube' });
    results.push(await measure(`etcd ${members} member${members > 1 ? 's' : ''}`, store));
    await store.close();
  } finally {
    await etcd.stop();
  }
}

const base = results[0]!;
const x = (v: number): string => `${v.toFixed(1)}x`;
console.log(`${WRITES} creates each, ${CONCURRENCY} in flight for the parallel run; watch latency (create call to event) over ${Math.min(WRITES, 1000)} writes`);
console.log('store           serial w/s   parallel w/s   watch p50 ms   watch p99 ms');
for (const r of results) {
  const ratio =
    r === base
      ? ''
      : `   sqlite: writes ${x(base.serial / r.serial)} serial / ${x(base.parallel / r.parallel)} parallel faster, ` +
        `watch ${x(r.p50 / base.p50)} p50 / ${x(r.p99 / base.p99)} p99 quicker`;
  console.log(
    `${r.name.padEnd(15)} ${r.serial.toFixed(0).padStart(10)}   ${r.parallel.toFixed(0).padStart(12)}   ${r.p50.toFixed(2).padStart(12)}   ${r.p99.toFixed(2).padStart(12)}${ratio}`,
  );
}
const [one, three] = [1, 3].map((m) => results.find((r) => r.name.startsWith(`etcd ${m} `)));
if (one && three) {
  console.log(
    `etcd 3 members vs 1: writes ${x(one.serial / three.serial)} serial / ${x(one.parallel / three.parallel)} parallel slower (a quorum of fsyncs), ` +
      `watch ${x(three.p50 / one.p50)} p50 / ${x(three.p99 / one.p99)} p99 slower`,
  );
}
