// Cluster DNS benchmark: tinykube's DNS against dnsmasq (serving the same names from a hosts
// file, external names forwarded by both to the same fake upstream) in one run, at each
// Service count and each number of tinykube UDP workers:
//   - cluster names        svc-N.bench.svc.cluster.local
//   - cluster names AAAA   the same dual-stack Services asked for their IPv6 ClusterIP
//   - search path          a pod in namespace `client` asking `svc-N.bench` with ndots:5: first
//                          svc-N.bench.client.svc.cluster.local (NXDOMAIN), then the real name
//   - headless             one Service with 100 ready endpoints (EDNS0, ~1.7 KB replies)
//   - cached external      ext-N.example.test, forwarded once and then cached
// queries/s and p50/p99 from dnsperf; then DNS propagation (Service create → first correct
// answer, p50/p99), a CPU profile of one worker serving cluster names, and memory: the DNS
// cache per 10,000 Services next to an informer of whole Services, and the workers' RSS.
// Needs dnsperf (Debian package dnsperf); dnsmasq is skipped when not installed.
//
//   npx tsx bench/dns.ts [--seconds 3] [--services 1000,10000] [--workers 1,2] [--names 1000]

import { execFile, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import dnsPacket from 'dns-packet';
import pino from 'pino';
import { startTestApi } from '../test/support/api.js';
import { R } from '../src/client/client.js';
import { Informer } from '../src/client/informer.js';
import { DnsCache } from '../src/dns/cache.js';
import { startFakeUpstream } from '../test/support/fake-upstream.js';
import { startDns } from '../src/dns/index.js';
import { profile } from './support/cpu-profile.js';
import { serviceIP, serviceIP6 } from './support/dns-names.js';
import { storeClusterIPService } from '../test/support/stored-service.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    services: { type: 'string', default: '1000,10000' },
    workers: { type: 'string', default: '1,2' },
    names: { type: 'string', default: '1000' },
    propagation: { type: 'string', default: '100' },
  },
});
const SECONDS = Number(values.seconds);
const COUNTS = values.services.split(',').map(Number).sort((a, b) => a - b);
const WORKERS = values.workers.split(',').map(Number);
const NAMES = Number(values.names);
const PROPAGATION = Number(values.propagation);
const HEADLESS_ENDPOINTS = 100;
const TINYKUBE = '127.53.4.1';
const UPSTREAM = '127.53.4.2';
const DNSMASQ = '127.53.4.3';
const DNSMASQ_PORT = 15353;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

if (spawnSync('dnsperf', ['-h']).error) {
  console.error('dnsperf is not installed (apt-get install dnsperf)');
  process.exit(1);
}
const hasDnsmasq = !spawnSync('dnsmasq', ['--version']).error;

const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-dns-'));
const api = await startTestApi({ serviceCIDR: '127.96.0.0/16' });
const client = api.client();
for (const name of ['bench', 'client']) await client.create(R.namespaces, undefined, { metadata: { name } });
const endpointIP = (i: number): string => `127.244.9.${i + 1}`;
const service = (name: string, clusterIP: string) => ({
  metadata: { name, namespace: 'bench' },
  spec: { clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});
await client.create(R.services, 'bench', service('headless', 'None'));
await client.create(R.endpointSlices, 'bench', {
  metadata: { name: 'headless-1', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'headless' } },
  addressType: 'IPv4',
  endpoints: Array.from({ length: HEADLESS_ENDPOINTS }, (_, i) => ({ addresses: [endpointIP(i)], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

/** Stores dual-stack Services svc-FROM .. svc-(TO-1), 100 at a time (as the API stores them:
 *  the bench's API has one service range). */
async function createServices(from: number, to: number): Promise<void> {
  const ports = [{ name: 'http', protocol: 'TCP', port: 80 }];
  for (let i = from; i < to; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, to - i) }, (_, j) => storeClusterIPService(api, 'bench', `svc-${i + j}`, [serviceIP(i + j), serviceIP6(i + j)], ports)));
  }
}

const externals = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`ext-${i}.example.test`, [`192.0.2.${i + 1}`]]));
const upstream = await startFakeUpstream(UPSTREAM, externals);

const files = {
  'cluster names': join(dir, 'cluster.txt'),
  'cluster names AAAA': join(dir, 'cluster6.txt'),
  'search path': join(dir, 'search.txt'),
  headless: join(dir, 'headless.txt'),
  'cached external': join(dir, 'external.txt'),
};
const queryFiles = (count: number): void => {
  const names = Math.min(NAMES, count);
  writeFileSync(files['cluster names'], Array.from({ length: names }, (_, i) => `svc-${i}.bench.svc.cluster.local A\n`).join(''));
  writeFileSync(files['cluster names AAAA'], Array.from({ length: names }, (_, i) => `svc-${i}.bench.svc.cluster.local AAAA\n`).join(''));
  writeFileSync(files['search path'], Array.from({ length: names }, (_, i) => `svc-${i}.bench.client.svc.cluster.local A\nsvc-${i}.bench.svc.cluster.local A\n`).join(''));
  writeFileSync(files.headless, 'headless.bench.svc.cluster.local A\n');
  writeFileSync(files['cached external'], Object.keys(externals).map((n) => `${n} A\n`).join(''));
};

interface Result {
  qps: number;
  p50ms: number;
  p99ms: number;
  lost: number;
}

/** dnsperf for `seconds` at 100 outstanding queries; percentiles from its per-query lines. Its own
 *  socket gets 1 MiB of receive buffer: with its default, the first burst of 100 headless replies
 *  (1.7 KB each) overflowed it and ~75 queries were lost, each holding a slot until the timeout. */
async function dnsperf(server: string, port: number, file: string, seconds = SECONDS): Promise<Result> {
  const edns = file === files.headless ? ['-e'] : [];
  const { stdout } = await promisify(execFile)('dnsperf', ['-s', server, '-p', String(port), '-d', file, '-l', String(seconds), '-q', '100', '-b', '1024', '-v', ...edns], {
    maxBuffer: 1 << 30,
  });
  const latencies = [...stdout.matchAll(/^> \w+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const at = (q: number): number => (latencies[Math.floor(latencies.length * q)] ?? 0) * 1000;
  return {
    qps: Number(/Queries per second:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50ms: at(0.5),
    p99ms: at(0.99),
    lost: Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1] ?? 0),
  };
}

/** Every query set, each after a one-second warm-up that fills the caches. */
async function runAll(server: string, port: number): Promise<Record<string, Result>> {
  const out: Record<string, Result> = {};
  for (const [name, file] of Object.entries(files)) {
    await dnsperf(server, port, file, 1);
    out[name] = await dnsperf(server, port, file);
  }
  return out;
}

/** Asks `name` over UDP until it answers `ip`; resolves with the time that took. */
function firstAnswer(port: number, name: string, ip: string, since: number): Promise<number> {
  const s = dgram.createSocket('udp4');
  const ask = (): void => void s.send(dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), port, TINYKUBE);
  return new Promise((resolve) => {
    s.on('message', (m) => {
      const r = dnsPacket.decode(m);
      if (r.answers?.some((a) => a.type === 'A' && a.data === ip)) {
        s.close();
        resolve(performance.now() - since);
      } else setImmediate(ask);
    });
    ask();
  });
}

/** Service create → first correct answer, for new Services whose names were asked (and cached negative) first. */
async function measurePropagation(port: number, tag: string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < PROPAGATION; i++) {
    const name = `prop-${tag}-${i}`;
    const ip = `127.96.${90 + Math.floor(i / 250)}.${(i % 250) + 1}`;
    await askOnce(port, `${name}.bench.svc.cluster.local`); // a cached NXDOMAIN that the create must drop
    const since = performance.now();
    const answered = firstAnswer(port, `${name}.bench.svc.cluster.local`, ip, since);
    await client.create(R.services, 'bench', service(name, ip));
    times.push(await answered);
    await client.delete(R.services, 'bench', name);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p99: times[Math.floor(times.length * 0.99)] };
}

function askOnce(port: number, name: string): Promise<void> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.on('message', () => (s.close(), resolve()));
    s.send(dnsPacket.encode({ type: 'query', id: 2, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), port, TINYKUBE);
  });
}

const rssMiB = (pid: number): string => (Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024).toFixed(0);

const rows: { label: string; r: Record<string, Result> }[] = [];
const propagations: string[] = [];
const memory: string[] = [];
let profileLines: string[] = [];
let created = 0;
for (const count of COUNTS) {
  const started = Date.now();
  await createServices(created, count);
  created = count;
  console.log(`${count} Services (+ headless with ${HEADLESS_ENDPOINTS} endpoints) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  queryFiles(count);

  for (const workers of WORKERS) {
    const dns = await startDns({ client, log: pino({ level: 'silent' }), listenAddress: TINYKUBE, port: 0, metricsPort: 0, upstreams: [`${UPSTREAM}:${upstream.port}`], workers });
    try {
      await dnsperf(TINYKUBE, dns.port, files['cluster names'], 1); // waits out the first sync
      rows.push({ label: `tinykube ${count} svc, ${workers} worker${workers > 1 ? 's' : ''}`, r: await runAll(TINYKUBE, dns.port) });
      const p = await measurePropagation(dns.port, `${count}-${workers}`);
      propagations.push(`${count} Services, ${workers} worker(s): p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms (${PROPAGATION} creates)`);
      if (workers > 1) memory.push(`${count} Services: ${workers} workers' RSS ${dns.workerPids.map(rssMiB).join(' + ')} MiB`);
      if (count === COUNTS.at(-1) && workers === 1) {
        profileLines = (await profile(() => dnsperf(TINYKUBE, dns.port, files['cluster names']))).lines;
      }
    } finally {
      await dns.stop();
    }
  }

  if (hasDnsmasq) {
    const hosts = join(dir, 'hosts');
    writeFileSync(
      hosts,
      Array.from({ length: count }, (_, i) => `${serviceIP(i)} svc-${i}.bench.svc.cluster.local\n${serviceIP6(i)} svc-${i}.bench.svc.cluster.local\n`).join('') +
        Array.from({ length: HEADLESS_ENDPOINTS }, (_, i) => `${endpointIP(i)} headless.bench.svc.cluster.local\n`).join(''),
    );
    const dnsmasq = spawn('dnsmasq', [
      '--keep-in-foreground', '-C', '/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--local=/cluster.local/',
      `--listen-address=${DNSMASQ}`, '--bind-interfaces', `--port=${DNSMASQ_PORT}`, '--pid-file=', '--user=root', '--cache-size=10000',
      `--server=${UPSTREAM}#${upstream.port}`,
    ], { stdio: 'ignore' });
    try {
      rows.push({ label: `dnsmasq ${count} svc`, r: await runAll(DNSMASQ, DNSMASQ_PORT) });
    } finally {
      dnsmasq.kill();
    }
  }
}


// Memory: the slim DNS cache against an informer of whole Services, both over the same API.
const before = heap();
const cache = new DnsCache(client);
await cache.start();
const slim = heap() - before;
cache.stop();
const fullBefore = heap();
const full = new Informer(client, R.services);
await full.start();
const whole = heap() - fullBefore;
full.stop();
const per10k = (bytes: number): string => `${((bytes / created) * 10_000 / 2 ** 20).toFixed(1)} MiB`;

await upstream.close();
await api.close();
rmSync(dir, { recursive: true, force: true });

console.log(`\nDNS, ${SECONDS} s per run, 100 queries outstanding, ${NAMES} cluster names asked, 100 cached external names`);
console.log(`${'server'.padEnd(32)} ${Object.keys(files).map((f) => f.padStart(26)).join('')}`);
console.log(`${''.padEnd(32)} ${Object.keys(files).map(() => 'q/s   p50   p99 ms'.padStart(26)).join('')}`);
for (const { label, r } of rows) {
  const cell = (x: Result): string => `${x.qps.toFixed(0).padStart(8)} ${x.p50ms.toFixed(2).padStart(5)} ${x.p99ms.toFixed(2).padStart(5)}${x.lost ? ` lost ${x.lost}` : ''}`;
  console.log(`${label.padEnd(32)} ${Object.values(r).map((x) => cell(x).padStart(26)).join('')}`);
}
if (hasDnsmasq) {
  console.log('\ntinykube/dnsmasq, same Service count: queries/s (above 1: more) and p99 (below 1: shorter):');
  for (const { label, r } of rows.filter((x) => x.label.startsWith('tinykube'))) {
    const peer = rows.find((x) => x.label === `dnsmasq ${label.split(' ')[1]} svc`)!.r;
    console.log(`${label.padEnd(32)} ${Object.keys(r).map((k) => `${k} ${(r[k].qps / peer[k].qps).toFixed(2)} / ${(r[k].p99ms / peer[k].p99ms).toFixed(2)}`).join(', ')}`);
  }
}
console.log('CoreDNS publishes ~17k queries/s per core for cluster names.');
console.log(`\nDNS propagation, Service create → first correct answer (goal < 100 ms; SLO 10 s):\n  ${propagations.join('\n  ')}`);
console.log(`\nmemory per 10,000 Services: DNS cache ${per10k(slim)}, informer of whole Services ${per10k(whole)} (ratio ${(whole / slim).toFixed(1)})`);
for (const m of memory) console.log(`  ${m}`);
console.log(`\nCPU profile, one worker serving cluster names at ${created} Services (self time):\n  ${profileLines.join('\n  ')}`);
