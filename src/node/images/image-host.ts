// The node's image host: one long-lived process serves every built-in-image container of its
// node, each with its own listeners on its own pod IP (runtime/hosted-runner.ts starts it and
// speaks to it over the IPC channel). A container here keeps what a process of its own had: its
// log file, its exit code (netexec /exit), SIGTERM's linger-close-drain and SIGKILL's abrupt end,
// and /shell run with its env, in its directory and network. On the netns network one helper of
// this process binds each pod's sockets inside the pod's namespace and hands them over, so they
// live there whoever holds them. A built-in container costs a few listeners, not a process.

import { closeSync, fstatSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { NetnsSockets } from '../../network/netns/netns-sockets.js';
import { SocketBroker } from '../../network/rootless/socket-broker.js';
import { NETNS_RUN } from '../../network/netns/names.js';
import { writtenLogTimes } from '../log-times.js';
import { inNetns } from '../pod-placement.js';
import type { PodInfo } from './pages.js';
import { podFromEnv, serve, stopGracefully, type Running, type ServeIO } from './serve.js';
import type { BuiltinSpec } from './spec.js';

export interface HostedStart {
  op: 'start';
  id: number;
  spec: BuiltinSpec;
  env: Record<string, string>;
  cwd?: string;
  logPath: string;
  /** Where the container's CPU seconds are kept for the node's resource metrics. */
  cpuPath: string;
  /** The pod's network namespace (its name for `ip netns exec`); none: this process's. */
  netns?: string;
  /** The pod's name when its env has none. */
  podName: string;
}

export type HostRequest = HostedStart | { op: 'signal'; id: number; sig: 'SIGTERM' | 'SIGKILL' };

export type HostReply = { op: 'exit'; id: number; exitCode: number };

/** How often changed CPU figures are written out (metrics are scraped every 15 s or so). */
const CPU_FLUSH_MS = 5_000;

class HostedContainer {
  private readonly fd: number;
  private readonly times: ReturnType<typeof writtenLogTimes>;
  private running?: Running;
  /** A signal that came while the listeners were being opened. */
  private pending?: 'SIGTERM' | 'SIGKILL';
  private stopping = false;
  private done = false;
  cpuMicros = 0;
  cpuWritten = 0;

  /** The container's directories, log (and its times) and CPU figure are made here, in this
   *  process, not by the agent as it starts the container: at a thousand pods that file work
   *  was most of the agent's cost per start. */
  constructor(readonly req: HostedStart, private readonly onExit: (code: number) => void) {
    mkdirSync(dirname(req.logPath), { recursive: true });
    if (req.cwd) mkdirSync(req.cwd, { recursive: true });
    this.fd = openSync(req.logPath, 'a');
    this.times = writtenLogTimes(req.logPath, fstatSync(this.fd).size);
    // Its presence tells the resource metrics the container is hosted (resource-usage.ts).
    writeFileSync(req.cpuPath, '0');
  }

  private log(line: string): void {
    if (this.done) return;
    this.times.wrote(writeSync(this.fd, `${line}\n`));
  }

  async start(): Promise<void> {
    const { spec, env, cwd, netns } = this.req;
    const pod: PodInfo = podFromEnv(env, spec.host, this.req.podName);
    const nsPath = netns && `${NETNS_RUN}/${netns}`;
    // Without python3, a Node.js broker in the pod's namespace for this start, as before.
    const broker = nsPath && !(await netnsSockets.ready()) ? await SocketBroker.start(nsPath) : undefined;
    const io: ServeIO = {
      log: (line) => this.log(line),
      exit: (code) => this.exit(code, true),
      charge: (micros) => (this.cpuMicros += micros),
      container: { env, cwd, wrap: (argv) => inNetns(netns, argv) },
      ...(nsPath ? { sockets: broker ? { tcp: (h, p) => broker.listen(h, p), udp: (h, p) => broker.udp(h, p) } : { tcp: (h, p) => netnsSockets.listen(nsPath, h, p), udp: (h, p) => netnsSockets.udp(nsPath, h, p) } } : {}),
    };
    try {
      this.running = await serve(spec, pod, io);
    } catch (e) {
      this.log(e instanceof Error ? e.message : String(e));
      return this.exit(1, false);
    } finally {
      void broker?.stop();
    }
    if (this.pending) this.signal(this.pending);
  }

  signal(sig: 'SIGTERM' | 'SIGKILL'): void {
    if (this.done) return;
    if (!this.running) {
      this.pending = sig;
      return;
    }
    if (sig === 'SIGKILL') return this.exit(137, true);
    if (this.stopping) return;
    this.stopping = true;
    void stopGracefully(this.running).then(() => this.exit(0, false));
  }

  private exit(code: number, abort: boolean): void {
    if (this.done) return;
    if (abort) this.running?.abort();
    this.done = true;
    closeSync(this.fd);
    this.times.stop();
    this.onExit(code);
  }
}

const containers = new Map<number, HostedContainer>();
const netnsSockets = new NetnsSockets();

const send = (r: HostReply): void => void (process.connected && process.send!(r));

function flushCpu(): void {
  for (const c of containers.values()) {
    if (c.cpuMicros === c.cpuWritten) continue;
    c.cpuWritten = c.cpuMicros;
    writeFileSync(c.req.cpuPath, String(c.cpuMicros / 1e6));
  }
}

// Requests come in batches: those the agent made in one turn of its loop.
process.on('message', (batch: HostRequest[]) => {
  for (const req of batch) {
    if (req.op === 'start') {
      let c: HostedContainer;
      try {
        c = new HostedContainer(req, (exitCode) => {
          containers.delete(req.id);
          send({ op: 'exit', id: req.id, exitCode });
        });
      } catch (e) {
        // Its files could not be made: this container fails to start, the others go on.
        console.error(`container ${req.podName}: ${(e as Error).message}`);
        send({ op: 'exit', id: req.id, exitCode: 128 });
        continue;
      }
      containers.set(req.id, c);
      void c.start();
    } else containers.get(req.id)?.signal(req.sig);
  }
});
setInterval(flushCpu, CPU_FLUSH_MS);
// The agent gone (its channel closed): its containers go with it, as a container runtime's
// shim would not, but a restarted agent starts them again anyway.
process.on('disconnect', () => process.exit(0));
