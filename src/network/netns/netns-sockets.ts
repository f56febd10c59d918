// Sockets inside other network namespaces, for a process that stays in its own: listeners for
// the node's image host, connections for the API server's and kubelet's dials into a node's or
// pod's namespace (nodes/proxy, port-forward). One long-lived helper per process
// (netns-sockets-py.ts) enters each namespace asked for, binds or connects there and hands the
// socket back over the IPC channel. A pod or a connection costs a request, not a process. A
// socket belongs to the namespace it was made in, whoever holds it.

import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import type net from 'node:net';
import { HandleReplies, type HandleReply } from '../handle-replies.js';
import { NETNS_SOCKETS_PY } from './netns-sockets-py.js';

export type NetnsSocketRequest =
  | { id: number; op: 'listen' | 'udp'; netns: string; host: string; port: number }
  | { id: number; op: 'connect'; netns: string; host: string; port: number; timeoutMs: number };

type Handle = net.Server | dgram.Socket | net.Socket;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class NetnsSockets {
  /** The helper, once spawned (a failed spawn rejects). */
  private child?: Promise<ChildProcess>;
  private readonly replies = new HandleReplies('the netns socket helper');
  /** Requests sent and not yet answered. */
  private asking = 0;

  /** The python3 to run (PATH's by default). */
  constructor(private readonly python = 'python3') {}

  /** A TCP server listening on host:port in the namespace at `netns` (/run/netns/NAME). */
  listen(netns: string, host: string, port: number): Promise<net.Server> {
    return this.ask({ op: 'listen', netns, host, port }) as Promise<net.Server>;
  }

  /** A UDP socket bound to host:port in the namespace at `netns`. */
  udp(netns: string, host: string, port: number): Promise<dgram.Socket> {
    return this.ask({ op: 'udp', netns, host, port }) as Promise<dgram.Socket>;
  }

  /** A TCP connection to host:port made in the namespace at `netns`, once connected. A failed
   *  connect rejects as Node's would (code ECONNREFUSED, EHOSTUNREACH…; ETIMEDOUT after
   *  timeoutMs), with syscall 'connect'. */
  async connect(netns: string, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
    try {
      return (await this.ask({ op: 'connect', netns, host, port, timeoutMs })) as net.Socket;
    } catch (e) {
      throw Object.assign(e as Error, { syscall: 'connect' });
    }
  }

  /** Whether the helper runs (or starts now): false where python3 is missing. */
  ready(): Promise<boolean> {
    return (this.child ?? this.start()).then(
      () => true,
      () => false,
    );
  }

  /** Ends the helper; a later request starts another. */
  async close(): Promise<void> {
    const child = await this.child?.catch(() => undefined);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.ref(); // held open until it is gone
    child.kill('SIGKILL');
    await gone;
  }

  private async ask(req: DistributiveOmit<NetnsSocketRequest, 'id'>): Promise<Handle> {
    const child = await (this.child ?? this.start());
    // An idle helper does not hold this process open (a module's helper that nobody closes);
    // one with requests out does, or a process waiting on nothing else would exit meanwhile.
    this.asking++;
    child.channel?.ref();
    try {
      // A failed write means the helper died: its 'exit' fails every waiter.
      return await this.replies.request<Handle>((id) => child.send({ ...req, id } as NetnsSocketRequest, () => {}));
    } finally {
      if (--this.asking === 0) child.channel?.unref();
    }
  }

  private start(): Promise<ChildProcess> {
    const child = spawn(this.python, ['-c', NETNS_SOCKETS_PY], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const started = new Promise<ChildProcess>((resolve, reject) => {
      child.once('spawn', () => resolve(child));
      child.once('error', (e) => {
        if (this.child === started) this.child = undefined;
        reject(new Error(`the netns socket helper (${this.python}) could not start: ${e.message}`));
      });
    });
    this.child = started;
    child.unref();
    child.channel?.unref();
    child.on('message', (r: HandleReply, handle?: Handle) => this.replies.settle(r, handle));
    child.once('exit', (code, signal) => {
      if (this.child === started) this.child = undefined;
      this.replies.failAll(`the netns socket helper (${this.python}) exited (${signal ?? code})`);
    });
    return started;
  }
}
