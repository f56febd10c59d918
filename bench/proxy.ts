// Userspace proxy benchmark: requests/s and p99 through a ClusterIP, directly to a backend and
// through HAProxy (TCP mode) in front of the same backends, with wrk, keep-alive and a new
// connection per request; bulk MB/s with curl. Prints ratios to direct.
//
//   npx tsx bench/proxy.ts [--duration 5] [--connections 32] [--bulk-mb 512]
//
// Needs wrk, curl and haproxy (Debian: apt-get install -y haproxy wrk curl). The backends run
// in a child process, the proxy (with an in-process API) in this one, HAProxy in its own.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startTestApi } from '../test/support/api.js';
import { R } from '../src/client/client.js';
import { EventRecorder } from '../src/client/events.js';
import { startProxy } from '../src/proxy/index.js';
import { parseWrk, wrkArgs, wrkTrouble, type WrkResult } from './support/wrk.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'bench' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    'bulk-mb': { type: 'string', default: '512' },
  },
});

const BACKENDS = ['127.244.200.1', '127.244.200.2', '127.244.200.3'];
const PORT = 8080;
const HAPROXY = { ip: '127.241.0.1', port: 8080 };
const CHUNK = Buffer.alloc(1 << 20, 'x');

/** The backends: `/` answers a short body, `/bulk?mb=N` streams N MiB. */
async function runBackends(): Promise<void> {
  for (const ip of BACKENDS) {
    const server = http.createServer((req, res) => {
      const mb = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('mb') ?? 0);
      if (!mb) return void res.end(`hello from ${ip}\n`);
      res.writeHead(200, { 'Content-Length': mb * CHUNK.length });
      let left = mb;
      const pump = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(PORT, ip, () => r()));
  }
  process.send?.('ready');
}

/** Runs a command without blocking this process's event loop (the proxy lives in it). */
function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function wrk(url: string, newConnEach: boolean): Promise<WrkResult> {
  const r = await run('wrk', wrkArgs(url, { threads: 2, connections: Number(values.connections), seconds: Number(values.duration), newConnEach }));
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const res = parseWrk(r.stdout);
  const trouble = wrkTrouble(res);
  if (trouble) console.log(`    (${url}${newConnEach ? ', new connection each' : ''}: ${trouble})`);
  return res;
}

async function bulkMBps(url: string): Promise<number> {
  const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download}', `${url}bulk?mb=${values['bulk-mb']}`]);
  return Number(r.stdout) / 1e6;
}

/** CPU seconds a process used so far (utime + stime from /proc). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-proxy-'));
  const children: ChildProcess[] = [];
  try {
    const backends = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--role', 'backend'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(backends);
    // The children go with us even when we are interrupted.
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (children.forEach((c) => c.kill()), process.exit(130)));
    await new Promise((resolve, reject) => {
      backends.once('message', resolve);
      backends.once('exit', (code) => reject(new Error(`backends exited (${code}); is ${BACKENDS[0]}:${PORT} taken?`)));
    });

    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 4000',
        '  nbthread 1',
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        'frontend fe',
        `  bind ${HAPROXY.ip}:${HAPROXY.port}`,
        '  default_backend be',
        'backend be',
        '  balance roundrobin',
        ...BACKENDS.map((ip, i) => `  server b${i} ${ip}:${PORT}`),
        '',
      ].join('\n'),
    );
    const haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: 'inherit' });
    children.push(haproxy);

    const api = await startTestApi();
    const client = api.client('bench');
    const proxy = await startProxy({
      client,
      log: pino({ level: 'silent' }),
      events: new EventRecorder(client, 'tinykube-proxy', 'bench'),
      nodeName: 'bench',
      nodeIPs: ['127.0.0.1'],
    });
    const svc = await client.create<{ spec: { clusterIP: string } } & import('../src/apis/types.js').KubeObject>(R.services, 'default', {
      metadata: { name: 'bench' },
      spec: { ports: [{ name: 'http', port: PORT, protocol: 'TCP' }] },
    });
    await client.create(R.endpointSlices, 'default', {
      metadata: { name: 'bench-1', labels: { 'kubernetes.io/service-name': 'bench' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: PORT, protocol: 'TCP' }],
      endpoints: BACKENDS.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'bench' })),
    });
    const vip = svc.spec.clusterIP;
    const targets = {
      direct: { url: `http://${BACKENDS[0]}:${PORT}/`, pid: backends.pid! },
      tinykube: { url: `http://${vip}:${PORT}/`, pid: process.pid },
      haproxy: { url: `http://${HAPROXY.ip}:${PORT}/`, pid: haproxy.pid! },
    };
    for (const t of [targets.tinykube, targets.haproxy]) {
      for (let i = 0; i < 100 && (await run('curl', ['-sf', '-m', '2', t.url])).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    }

    const rssBefore = process.memoryUsage().rss;
    console.log(`proxy benchmark: ${values.connections} connections, ${values.duration}s per run, wrk -t2; backends: 3 Node HTTP servers in one process`);
    for (const [label, newConn] of [['keep-alive', false], ['new connection per request', true]] as const) {
      console.log(`\n${label}:`);
      const res: Record<string, WrkResult & { cpuUsPerReq: number }> = {};
      for (const [name, t] of Object.entries(targets)) {
        const cpu0 = cpuSeconds(t.pid);
        const r = await wrk(t.url, newConn);
        // For direct: the backend's own CPU; for the proxies: the proxy's (the backend's is extra).
        res[name] = { ...r, cpuUsPerReq: ((cpuSeconds(t.pid) - cpu0) / (r.rps * Number(values.duration))) * 1e6 };
      }
      for (const [name, r] of Object.entries(res)) {
        const ratio = name === 'direct' ? '' : `  ${((r.rps / res.direct.rps) * 100).toFixed(0)}% of direct`;
        console.log(
          `  ${name.padEnd(9)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99ms.toFixed(2).padStart(6)} ms  ${r.cpuUsPerReq.toFixed(1).padStart(5)} µs CPU/req${ratio}`,
        );
      }
      console.log(`  tinykube/haproxy: ${((res.tinykube.rps / res.haproxy.rps) * 100).toFixed(0)}% of the requests/s`);
    }
    console.log(`\nbulk (${values['bulk-mb']} MiB per download, curl):`);
    const bulk: Record<string, number> = {};
    for (const [n, t] of Object.entries(targets)) bulk[n] = await bulkMBps(t.url);
    for (const [n, v] of Object.entries(bulk)) {
      console.log(`  ${n.padEnd(9)} ${v.toFixed(0).padStart(6)} MB/s${n === 'direct' ? '' : `  ${((v / bulk.direct) * 100).toFixed(0)}% of direct`}`);
    }
    const metrics = await proxy.metrics.metrics();
    const active = /tinykube_proxy_active_connections\{service="default\/bench:http\/TCP"\} (\d+)/.exec(metrics)?.[1];
    console.log(`\nproxy process RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; active connections after the runs: ${active}`);
    await proxy.stop();
    await api.close();
  } finally {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.role === 'backend') await runBackends();
else await main();
