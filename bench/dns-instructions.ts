// Instructions per DNS query, tinykube's server beside dnsmasq: each runs under valgrind's
// callgrind with instrumentation off until the caches are warm, then counts every instruction
// (the server's, the runtime's and the kernel-call wrappers', not the kernel's) while dnsperf
// sends a fixed number of queries. Unlike queries/s this does not depend on the machine's load.
// Query sets: cluster names (svc-N.bench.svc.cluster.local), the same dual-stack names asked
// for AAAA, and the ndots:5 search path (a miss in the client's namespace, NXDOMAIN, then the name).
//
//   npx tsx bench/dns-instructions.ts [--services 1000] [--queries 10000]

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { serviceIP, serviceIP6 } from './support/dns-names.js';

const { values } = parseArgs({ options: { services: { type: 'string', default: '1000' }, queries: { type: 'string', default: '10000' } } });
const SERVICES = Number(values.services);
const QUERIES = Number(values.queries);
const NAMES = Math.min(SERVICES, 1000);
const TINYKUBE = '127.53.5.1';
const DNSMASQ = '127.53.5.2';
const DNSMASQ_PORT = 15354;
const WARM_UP = 20_000;
const ROUNDS = 3;

for (const tool of ['valgrind', 'dnsperf', 'dnsmasq']) {
  if (spawnSync(tool, ['--version']).error) {
    console.error(`${tool} is not installed`);
    process.exit(1);
  }
}

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-dns-ir-'));
const files = {
  'cluster names': join(dir, 'cluster.txt'),
  'cluster names AAAA': join(dir, 'cluster6.txt'),
  'search path': join(dir, 'search.txt'),
};
writeFileSync(files['cluster names'], Array.from({ length: NAMES }, (_, i) => `svc-${i}.bench.svc.cluster.local A\n`).join(''));
writeFileSync(files['cluster names AAAA'], Array.from({ length: NAMES }, (_, i) => `svc-${i}.bench.svc.cluster.local AAAA\n`).join(''));
writeFileSync(files['search path'], Array.from({ length: NAMES }, (_, i) => `svc-${i}.bench.client.svc.cluster.local A\nsvc-${i}.bench.svc.cluster.local A\n`).join(''));

const callgrind = (out: string): string[] => ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`];

/** dnsperf sending `queries` queries from `file`, at most 20 outstanding (a server under valgrind is slow); the count answered. */
async function dnsperf(server: string, port: number, file: string, queries: number): Promise<number> {
  const { stdout } = await run('dnsperf', ['-s', server, '-p', String(port), '-d', file, '-n', String(Math.ceil(queries / lines(file))), '-q', '20', '-b', '1024']);
  return Number(/Queries completed:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
}
const lines = (file: string): number => readFileSync(file, 'utf8').trim().split('\n').length;

/** Instructions the process under callgrind spends per answered query of `file`: the least of
 *  ROUNDS counts, as a round may include a garbage collection or V8 compiling a function anew. */
async function perQuery(pid: number, out: string, server: string, port: number, file: string): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < ROUNDS; i++) least = Math.min(least, await countRound(pid, out, server, port, file));
  return least;
}

async function countRound(pid: number, out: string, server: string, port: number, file: string): Promise<number> {
  await run('callgrind_control', ['-i', 'on', String(pid)]);
  await run('callgrind_control', ['-z', String(pid)]);
  const answered = await dnsperf(server, port, file, QUERIES);
  await run('callgrind_control', ['-d', String(pid)]);
  await run('callgrind_control', ['-i', 'off', String(pid)]);
  const dumps = readdirSync(dir).filter((f) => f.startsWith(`${out.split('/').pop()}.`)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const text = readFileSync(join(dir, dumps.at(-1)!), 'utf8');
  const total = Number(/^(?:summary|totals):\s+(\d+)/m.exec(text)?.[1] ?? NaN);
  return total / answered;
}

const answers = (server: string, port: number): Promise<boolean> =>
  run('dig', ['+short', '+tries=1', '+time=1', '-p', String(port), `@${server}`, 'svc-0.bench.svc.cluster.local']).then((r) => r.stdout.trim() !== '', () => false);

async function measure(name: string, start: () => Promise<{ child: ChildProcess; port: number }>, out: string): Promise<Record<string, number>> {
  const { child, port } = await start();
  const server = name === 'tinykube' ? TINYKUBE : DNSMASQ;
  try {
    // Uncounted: fills the caches, and lets V8 compile the hot path with its optimizing tier.
    for (const file of Object.values(files)) await dnsperf(server, port, file, WARM_UP);
    const r: Record<string, number> = {};
    for (const [set, file] of Object.entries(files)) r[set] = await perQuery(child.pid!, out, server, port, file);
    return r;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const tinykubeOut = join(dir, 'tinykube.cg');
const tinykube = await measure('tinykube', async () => {
  const child = spawn('valgrind', [...callgrind(tinykubeOut), process.execPath, '--import', 'tsx', 'bench/support/dns-server.ts'], {
    env: { ...process.env, SERVICES: String(SERVICES), ADDRESS: TINYKUBE },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, port: Number(line) };
}, tinykubeOut);

const dnsmasqOut = join(dir, 'dnsmasq.cg');
const dnsmasq = await measure('dnsmasq', async () => {
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, Array.from({ length: SERVICES }, (_, i) => `${serviceIP(i)} svc-${i}.bench.svc.cluster.local\n${serviceIP6(i)} svc-${i}.bench.svc.cluster.local\n`).join(''));
  const child = spawn('valgrind', [...callgrind(dnsmasqOut), 'dnsmasq', '--keep-in-foreground', '-C', '/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`,
    '--local=/cluster.local/', `--listen-address=${DNSMASQ}`, '--bind-interfaces', `--port=${DNSMASQ_PORT}`, '--pid-file=', '--user=root', '--cache-size=10000'], { stdio: 'ignore' });
  while (!(await answers(DNSMASQ, DNSMASQ_PORT))) await new Promise((resolve) => setTimeout(resolve, 500));
  return { child, port: DNSMASQ_PORT };
}, dnsmasqOut);

rmSync(dir, { recursive: true, force: true });
console.log(`Instructions per query (callgrind, least of ${ROUNDS} rounds of ${QUERIES} queries after ${WARM_UP} of each set uncounted; ${SERVICES} Services, ${NAMES} names asked):`);
console.log(`${'query set'.padEnd(20)} ${'tinykube'.padStart(10)} ${'dnsmasq'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const set of Object.keys(files)) {
  console.log(`${set.padEnd(20)} ${tinykube[set].toFixed(0).padStart(10)} ${dnsmasq[set].toFixed(0).padStart(10)} ${(tinykube[set] / dnsmasq[set]).toFixed(2).padStart(7)}`);
}
