// API server benchmark: Service creates per second, GET/LIST latency, watch fan-out and RSS,
// through HTTPS against the real program, next to the same work done on the bare SQLite store
// in the same run (the floor the API adds its cost to).
//
//   npx tsx bench/api.ts [--services 1000] [--watchers 50] [--events 2000]

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    watchers: { type: 'string', default: '50' },
    events: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const N = Number(values.services);
const WATCHERS = Number(values.watchers);
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);

interface Conn {
  server: string;
  token: string;
  ca: string;
  agent: Agent;
}

function call(c: Conn, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      c.server + path,
      {
        method,
        agent: c.agent,
        ca: c.ca,
        headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': contentType, ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function service(i: number): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `bench-${i}`, labels: { bench: 'yes', shard: String(i % 10) } },
    spec: { selector: { app: `bench-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
  };
}

async function storeFloor(dir: string): Promise<number> {
  const store = await openSqliteStore(join(dir, 'floor.db'));
  const value = JSON.stringify(service(0));
  const t0 = performance.now();
  await pool([...Array(N).keys()], CONCURRENCY, async (i) => {
    await store.create(`/registry/services/specs/default/bench-${i}`, value);
  });
  const secs = (performance.now() - t0) / 1000;
  await store.close();
  return N / secs;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-'));
  const bin = new URL('../bin/tinykube.js', import.meta.url).pathname;
  const proc = spawn(process.execPath, [bin, 'up', '--network', 'loopback', '--data-dir', dir, '--api-port', '0'], { stdio: 'ignore' });
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    while (!existsSync(kubeconfig)) await new Promise((r) => setTimeout(r, 50));
    const kc = parse(readFileSync(kubeconfig, 'utf8'));
    const c: Conn = {
      server: kc.clusters[0].cluster.server,
      token: kc.users[0].user.token,
      ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
      agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    };
    const base = '/api/v1/namespaces/default/services';

    const floor = await storeFloor(dir);
    const t0 = performance.now();
    await pool([...Array(N).keys()], CONCURRENCY, async (i) => {
      const r = await call(c, 'POST', base, service(i));
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.body}`);
    });
    const createRate = N / ((performance.now() - t0) / 1000);

    const gets: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = performance.now();
      await call(c, 'GET', `${base}/bench-${i % N}`);
      gets.push(performance.now() - s);
    }
    const lists: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await call(c, 'GET', base);
      lists.push(performance.now() - s);
    }
    gets.sort((a, b) => a - b);
    lists.sort((a, b) => a - b);

    // Watch fan-out: WATCHERS streams, EVENTS label updates; events delivered per second.
    const rv = JSON.parse((await call(c, 'GET', `${base}?limit=1`)).body).metadata.resourceVersion;
    let delivered = 0;
    const watches = await Promise.all(Array.from({ length: WATCHERS }, () => new Promise<() => void>((resolve, reject) => {
      const req = request(c.server + `${base}?watch=true&resourceVersion=${rv}`, { ca: c.ca, headers: { Authorization: `Bearer ${c.token}` } }, (res) => {
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            buf = buf.slice(nl + 1);
            delivered++;
          }
        });
        resolve(() => req.destroy());
      });
      // Destroying the stream at the end raises an error that means nothing here.
      req.on('error', reject);
      req.end();
    })));
    const w0 = performance.now();
    await pool([...Array(EVENTS).keys()], CONCURRENCY, async (i) => {
      await call(c, 'PATCH', `${base}/bench-${i % N}`, { metadata: { labels: { rev: String(i) } } }, 'application/merge-patch+json');
    });
    const want = EVENTS * WATCHERS;
    while (delivered < want && performance.now() - w0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    const fanout = delivered / ((performance.now() - w0) / 1000);
    watches.forEach((stop) => stop());

    const rss = Number(readFileSync(`/proc/${proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
    console.log(`services created:         ${N}`);
    console.log(`creates/s via API:        ${createRate.toFixed(0)}   bare SQLite store: ${floor.toFixed(0)}   ratio ${(createRate / floor * 100).toFixed(1)}%`);
    console.log(`GET p50/p99:              ${percentile(gets, 50).toFixed(2)} / ${percentile(gets, 99).toFixed(2)} ms`);
    console.log(`LIST ${N} p50/p99:        ${percentile(lists, 50).toFixed(1)} / ${percentile(lists, 99).toFixed(1)} ms`);
    console.log(`watch fan-out:            ${delivered}/${want} events to ${WATCHERS} watchers, ${fanout.toFixed(0)} events/s`);
    console.log(`API server RSS:           ${rss.toFixed(0)} MiB`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
