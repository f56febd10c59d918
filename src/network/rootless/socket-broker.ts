// Sockets in another network namespace, for a process that stays in its own: a small child
// (socket-broker-child.ts) runs inside the namespace and hands back the sockets it opens there.
// With it the rootless network's relays run in one process on the host side, and a connection
// costs one userspace hop (the host end piped to the namespace end), not two.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export type BrokerRequest =
  | { id: number; op: 'connect'; host: string; port: number; timeoutMs?: number }
  | { id: number; op: 'listen' | 'udp'; host: string; port: number };

type Request = BrokerRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

export type BrokerReply = { id: number; port?: number } | { id: number; error: string; code: string };

type Handle = net.Socket | net.Server | dgram.Socket;

const CHILD = fileURLToPath(new URL('./socket-broker-child.js', import.meta.url));

export class SocketBroker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (h: Handle) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess, readonly netnsPath: string) {
    child.on('message', (r: BrokerReply, handle?: Handle) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if ('error' in r) w.reject(Object.assign(new Error(r.error), { code: r.code }));
      else if (handle) w.resolve(handle);
      else w.reject(new Error('the socket broker answered without a socket'));
    });
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the socket broker in ${netnsPath} exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** A broker for the namespace at `netnsPath` (e.g. /run/netns/NAME). */
  static start(netnsPath: string): Promise<SocketBroker> {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', process.execPath, CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(new SocketBroker(child, netnsPath)));
      child.once('error', reject);
    });
  }

  private ask<T extends Handle>(req: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.child.connected) return reject(new Error(`the socket broker in ${this.netnsPath} is gone`));
      this.waiting.set(id, { resolve: resolve as (h: Handle) => void, reject });
      this.child.send({ ...req, id } as BrokerRequest);
    });
  }

  /** A TCP connection made from inside the namespace. */
  connect(host: string, port: number, timeoutMs?: number): Promise<net.Socket> {
    return this.ask({ op: 'connect', host, port, timeoutMs });
  }

  /** A TCP server listening inside the namespace. */
  listen(host: string, port: number): Promise<net.Server> {
    return this.ask({ op: 'listen', host, port });
  }

  /** A UDP socket bound inside the namespace. */
  udp(host: string, port: number): Promise<dgram.Socket> {
    return this.ask({ op: 'udp', host, port });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
