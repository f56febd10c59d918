// UDP on every core the server is given: worker processes (udp-worker.ts) share the DNS port's
// UDP socket through Node's cluster module, each answering repeated questions from its own
// copy of the wire-ready replies. This process stays the one source of truth: it holds the
// cluster view, computes every miss (Handler.compute) and tells the workers which replies to
// keep and which to drop. TCP stays here.

import cluster, { type Worker } from 'node:cluster';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Handler, ReplyLabel } from './handler.js';
import type { DnsMetrics } from './metrics.js';

export type FromWorker =
  | { t: 'listening' }
  | { t: 'query'; id: number; msg: Uint8Array }
  | { t: 'served'; counts: [ReplyLabel, number][] }
  | { t: 'overload' }
  | { t: 'error'; message: string };

export type ToWorker =
  | { t: 'reply'; id: number; bytes?: Uint8Array; label?: ReplyLabel; stored?: { key: string; expires: number } }
  | { t: 'drop'; keys: string[] };

export interface UdpWorkersOptions {
  address: string;
  port: number;
  count: number;
  handler: Handler;
  metrics: DnsMetrics;
  log: Logger;
}

/** Every datagram allocates (Node's receive Buffer, the sender's address) and almost nothing
 *  survives: V8's default young generation grows to 16 MiB semi-spaces under that rate, which
 *  cost each worker ~12 MiB of RSS (bench/dns.ts) and no measurable queries/s when capped at 1. */
const WORKER_V8_FLAGS = ['--max-semi-space-size=1'];

/** Node flags a worker needs to load this code as we were loaded (tsx under tests), and no others. */
function loaderArgs(execArgv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (/^--(import|require|loader|experimental-loader)$/.test(a)) out.push(a, execArgv[++i]);
    else if (/^--(import|require|loader|experimental-loader)=|^--enable-source-maps$/.test(a)) out.push(a);
  }
  return out;
}

export class UdpWorkers {
  private readonly workers = new Set<Worker>();
  private stopping = false;

  constructor(private readonly o: UdpWorkersOptions) {
    o.handler.onDropped((keys) => this.broadcast({ t: 'drop', keys }));
  }

  get pids(): number[] {
    return [...this.workers].map((w) => w.process.pid!);
  }

  /** Forks the workers; resolves when every one is reading the socket. */
  async start(): Promise<void> {
    const here = fileURLToPath(import.meta.url);
    cluster.setupPrimary({
      exec: join(dirname(here), `udp-worker${extname(here)}`), // .ts under tsx, .js when built
      execArgv: [...loaderArgs(process.execArgv), ...WORKER_V8_FLAGS],
      args: [], // not our command line: `ps` would show the workers as another `up`
      serialization: 'advanced', // Buffers cross as bytes, not JSON
    });
    await Promise.all(Array.from({ length: this.o.count }, () => this.fork()));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.workers].map((w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.disconnect();
      })),
    );
  }

  private fork(): Promise<void> {
    const w = cluster.fork({ TINYKUBE_DNS_ADDRESS: this.o.address, TINYKUBE_DNS_PORT: String(this.o.port) });
    this.workers.add(w);
    return new Promise((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if (m.t === 'listening') resolve();
        else this.onMessage(w, m);
      });
      w.once('exit', (code, signal) => {
        this.workers.delete(w);
        reject(new Error(`DNS UDP worker exited (${signal ?? code}) before it listened`));
        if (this.stopping) return;
        this.o.log.error({ code, signal }, 'DNS UDP worker exited; starting another');
        this.fork().catch((err: unknown) => this.o.log.error({ err }, 'DNS UDP worker failed to start'));
      });
    });
  }

  private onMessage(w: Worker, m: FromWorker): void {
    switch (m.t) {
      case 'query': {
        const msg = Buffer.from(m.msg.buffer, m.msg.byteOffset, m.msg.length);
        this.o.handler.compute(msg, 'udp').then(
          (r) => w.isConnected() && w.send({ t: 'reply', id: m.id, bytes: r?.bytes, label: r?.label, stored: r?.stored } satisfies ToWorker),
          (err: unknown) => {
            this.o.log.error({ err }, 'DNS query failed');
            if (w.isConnected()) w.send({ t: 'reply', id: m.id } satisfies ToWorker);
          },
        );
        return;
      }
      case 'served':
        for (const [label, n] of m.counts) this.o.handler.countServed(label, 'udp', n);
        return;
      case 'overload':
        this.o.metrics.dropped.inc({ reason: 'overload' });
        return;
      case 'error':
        this.o.log.warn({ err: m.message }, 'DNS UDP socket error in a worker');
        return;
      case 'listening':
        return;
    }
  }

  private broadcast(m: ToWorker): void {
    for (const w of this.workers) if (w.isConnected()) w.send(m);
  }
}
