// Cluster DNS benchmark: queries/s and p99 latency for cluster names and for cached external
// names, against tinykube's DNS and against dnsmasq serving the same names from a hosts file
// (external names forwarded by both to the same fake upstream), in one run; and the memory
// the DNS cache takes per 10,000 Services, next to an informer holding whole Services.
// Load comes from dnsperf (Debian package dnsperf); dnsmasq is skipped when not installed.
//
//   npx tsx bench/dns.ts [--seconds 5] [--services 10000] [--names 1000]

import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { startTestApi } from '../test/support/api.js';
import { R } from '../src/client/client.js';
import { Informer } from '../src/client/informer.js';
import { DnsCache } from '../src/dns/cache.js';
import { startFakeUpstream } from '../src/dns/fake-upstream.js';
import { startDns } from '../src/dns/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    services: { type: 'string', default: '10000' },
    names: { type: 'string', default: '1000' },
  },
});
const SECONDS = Number(values.seconds);
const SERVICES = Number(values.services);
const NAMES = Math.min(Number(values.names), SERVICES);
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
await client.create(R.namespaces, undefined, { metadata: { name: 'bench' } });
const ipOf = (i: number): string => `127.96.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;
const started = Date.now();
for (let i = 0; i < SERVICES; i += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, SERVICES - i) }, (_, j) =>
      client.create(R.services, 'bench', {
        metadata: { name: `svc-${i + j}`, namespace: 'bench', labels: { app: `svc-${i + j}` } },
        spec: { clusterIP: ipOf(i + j), selector: { app: `svc-${i + j}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      }),
    ),
  );
}
console.log(`created ${SERVICES} Services in ${((Date.now() - started) / 1000).toFixed(1)} s`);

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
const per10k = (bytes: number): string => `${((bytes / SERVICES) * 10_000 / 2 ** 20).toFixed(1)} MiB`;

const externals = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`ext-${i}.example.test`, [`192.0.2.${i + 1}`]]));
const upstream = await startFakeUpstream(UPSTREAM, externals);
const dns = await startDns({ client, log: pino({ level: 'silent' }), listenAddress: TINYKUBE, port: 0, metricsPort: 0, upstreams: [`${UPSTREAM}:${upstream.port}`] });

const clusterQueries = join(dir, 'cluster.txt');
const externalQueries = join(dir, 'external.txt');
writeFileSync(clusterQueries, Array.from({ length: NAMES }, (_, i) => `svc-${i}.bench.svc.cluster.local A\n`).join(''));
writeFileSync(externalQueries, Object.keys(externals).map((n) => `${n} A\n`).join(''));
const hosts = join(dir, 'hosts');
writeFileSync(hosts, Array.from({ length: SERVICES }, (_, i) => `${ipOf(i)} svc-${i}.bench.svc.cluster.local\n`).join(''));

interface Result {
  qps: number;
  p99ms: number;
  lost: number;
}

/** dnsperf for SECONDS at 100 outstanding queries; p99 from its per-query lines. */
async function dnsperf(server: string, port: number, file: string, seconds = SECONDS): Promise<Result> {
  const { stdout } = await promisify(execFile)('dnsperf', ['-s', server, '-p', String(port), '-d', file, '-l', String(seconds), '-q', '100', '-v'], {
    maxBuffer: 1 << 30,
  });
  const latencies = [...stdout.matchAll(/^> \w+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return {
    qps: Number(/Queries per second:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p99ms: (latencies[Math.floor(latencies.length * 0.99)] ?? 0) * 1000,
    lost: Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1] ?? 0),
  };
}

const results: Record<string, Result> = {};
await dnsperf(TINYKUBE, dns.port, clusterQueries, 1); // warms the JIT and the reply cache
results['tinykube cluster names'] = await dnsperf(TINYKUBE, dns.port, clusterQueries);
await dnsperf(TINYKUBE, dns.port, externalQueries, 1); // fills the cache
results['tinykube cached external'] = await dnsperf(TINYKUBE, dns.port, externalQueries);

if (hasDnsmasq) {
  const dnsmasq = spawn('dnsmasq', [
    '--keep-in-foreground', '-C', '/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, `--listen-address=${DNSMASQ}`,
    '--bind-interfaces', `--port=${DNSMASQ_PORT}`, '--pid-file=', '--user=root', '--cache-size=10000', `--server=${UPSTREAM}#${upstream.port}`,
  ], { stdio: 'ignore' });
  try {
    await dnsperf(DNSMASQ, DNSMASQ_PORT, externalQueries, 1); // starts it up and fills its cache
    results['dnsmasq cluster names'] = await dnsperf(DNSMASQ, DNSMASQ_PORT, clusterQueries);
    results['dnsmasq cached external'] = await dnsperf(DNSMASQ, DNSMASQ_PORT, externalQueries);
  } finally {
    dnsmasq.kill();
  }
}

await dns.stop();
await upstream.close();
await api.close();
rmSync(dir, { recursive: true, force: true });

console.log(`\nDNS, ${SECONDS} s per run, ${NAMES} cluster names of ${SERVICES} Services, 100 cached external names`);
console.log('run                          queries/s   p99 ms   lost');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(28)} ${r.qps.toFixed(0).padStart(9)} ${r.p99ms.toFixed(2).padStart(8)} ${String(r.lost).padStart(6)}`);
}
if (hasDnsmasq) {
  const ratio = (a: string, b: string): string => (results[a].qps / results[b].qps).toFixed(2);
  console.log(`tinykube/dnsmasq qps: cluster names ${ratio('tinykube cluster names', 'dnsmasq cluster names')}, cached external ${ratio('tinykube cached external', 'dnsmasq cached external')}`);
}
console.log('CoreDNS publishes ~17k queries/s per core for cluster names.');
console.log(`memory per 10,000 Services: DNS cache ${per10k(slim)}, informer of whole Services ${per10k(whole)} (ratio ${(whole / slim).toFixed(1)})`);
