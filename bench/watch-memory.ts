// Memory of an API server holding watchers that read nothing: W watches are opened and never
// read, E events (Leases with a 4 KiB annotation) are written, and the server's RSS and heap are
// measured. The peer, in the same run, is the same server with the slow-watcher bound off (what
// the server did before it closed slow watchers).
//
//   npx tsx bench/watch-memory.ts [--watchers 200] [--events 1200]
//
// Each watcher's kernel socket buffers take the first few MiB of its stream, so the events must
// go beyond them for the server's own buffering to show.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';

const { values } = parseArgs({
  options: {
    watchers: { type: 'string', default: '200' },
    events: { type: 'string', default: '1200' },
    serve: { type: 'string' },
  },
});

interface Served {
  port: number;
  token: string;
  ca: string;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  /** Watches the server closed as too slow so far. */
  closed: number;
}

/** The child: an API server on an in-memory store, answering `mem` on stdin with its memory. */
async function serve(bounded: boolean): Promise<void> {
  const { openSqliteStore } = await import('../src/store/sqlite/sqlite-store.js');
  const { ApiServer } = await import('../src/api/server.js');
  const { DEFAULT_WATCH_LIMITS } = await import('../src/api/http/resource-handler.js');
  const { bootstrap } = await import('../src/api/bootstrap.js');
  const { ensureTls } = await import('../src/api/tls.js');
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-watch-'));
  const tls = await ensureTls(dir, { ips: ['127.0.0.1'], dnsNames: [] });
  const store = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
  const config = { serviceCIDR: '127.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, advertiseAddress: '127.0.0.1', securePort: 0 };
  const token = 'bench-token';
  const watchLimits = bounded ? DEFAULT_WATCH_LIMITS : { ...DEFAULT_WATCH_LIMITS, bufferBytes: Infinity };
  let closed = 0;
  const log = pino({ level: 'warn' }, { write: (line: string) => void (closed += line.includes('reads too slowly') ? 1 : 0) });
  const server = new ApiServer({ store, config, tls, tokens: [token], host: '127.0.0.1', port: 0, log, watchLimits });
  await bootstrap(server.rest, config, { endpoints: false });
  const port = await server.listen();
  process.stdout.write(JSON.stringify({ port, token, ca: tls.caCert }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'mem') break;
    global.gc?.();
    const m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, closed }) + '\n');
  }
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

class Child {
  private readonly lines: AsyncIterator<string>;
  constructor(readonly proc: ChildProcess) {
    this.lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  }
  async next<T>(): Promise<T> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the server child exited');
    return JSON.parse(r.value) as T;
  }
  async memory(): Promise<Memory> {
    this.proc.stdin!.write('mem\n');
    return this.next<Memory>();
  }
}

/** A watch whose reader never reads: the request is sent, then the socket is paused. */
function idleWatcher(s: Served): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.port, ca: s.ca }, () => {
      socket.write(`GET /apis/coordination.k8s.io/v1/namespaces/default/leases?watch=true HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ${s.token}\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function create(s: Served, agent: Agent, i: number): Promise<void> {
  const body = JSON.stringify({ metadata: { name: `bench-${i}`, annotations: { blob: 'x'.repeat(4096) } } });
  return new Promise((resolve, reject) => {
    const req = request(
      `https://127.0.0.1:${s.port}/apis/coordination.k8s.io/v1/namespaces/default/leases`,
      { method: 'POST', agent, ca: s.ca, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`create ${i}: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(bounded: boolean, watchers: number, events: number): Promise<{ before: Memory; after: Memory; seconds: number }> {
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, '--serve', bounded ? 'bounded' : 'unbounded'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const child = new Child(proc);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const s = await child.next<Served>();
    const ws = [];
    for (let i = 0; i < watchers; i++) ws.push(await idleWatcher(s));
    const before = await child.memory();
    const t0 = performance.now();
    for (let i = 0; i < events; i++) await create(s, agent, i);
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    const after = await child.memory();
    for (const w of ws) w.destroy();
    return { before, after, seconds };
  } finally {
    agent.destroy();
    proc.stdin!.end();
    if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
  }
}

const MiB = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const watchers = Number(values.watchers);
  const events = Number(values.events);
  console.log(`${watchers} watchers that read nothing, ${events} events of ~4.3 KiB (${MiB(watchers * events * 4400)} of watch output in all)`);
  const rows: [string, Awaited<ReturnType<typeof measure>>][] = [];
  for (const bounded of [false, true]) rows.push([bounded ? 'bounded (1 MiB per watch)' : 'unbounded (peer: bound off)', await measure(bounded, watchers, events)]);
  for (const [name, r] of rows) {
    const held = (m: Memory): number => m.heapUsed + m.external;
    console.log(
      `${name.padEnd(28)} held (heap+external) ${MiB(held(r.before))} -> ${MiB(held(r.after))}, RSS ${MiB(r.before.rss)} -> ${MiB(r.after.rss)}, ` +
        `watches closed as slow ${r.after.closed}/${watchers}, ${(events / r.seconds).toFixed(0)} writes/s`,
    );
  }
  // RSS keeps pages freed after the bound closed a watch; what the server still holds is heap+external.
  const [u, b] = rows.map(([, r]) => r.after.heapUsed + r.after.external);
  console.log(`what the server holds after the events, unbounded/bounded: ${(u / b).toFixed(1)}x`);
}

if (values.serve) await serve(values.serve === 'bounded');
else await main();
