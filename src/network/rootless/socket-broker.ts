// Sockets in another network namespace, for a process that stays in its own: a small child
// (socket-broker-child.ts) runs inside the namespace and hands back the sockets it opens there.
// With it the rootless network's relays run in one process on the host side, and a connection
// costs one userspace hop (the host end piped to the namespace end), not two.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { scriptArgv } from '../../util/script-argv.js';
import { HandleReplies, type Handle, type HandleReply } from '../handle-replies.js';

export type BrokerRequest =
  | { id: number; op: 'connect'; host: string; port: number; timeoutMs?: number }
  | { id: number; op: 'listen' | 'udp'; host: string; port: number };

type Request = BrokerRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

export type BrokerReply = HandleReply;

export class SocketBroker {
  private readonly replies = new HandleReplies('the socket broker');

  private constructor(private readonly child: ChildProcess, readonly netnsPath: string) {
    child.on('message', (r: BrokerReply, handle?: Handle) => this.replies.settle(r, handle));
    child.once('exit', (code, signal) => this.replies.failAll(`the socket broker in ${netnsPath} exited (${signal ?? code})`));
  }

  /** A broker for the namespace at `netnsPath` (e.g. /run/netns/NAME). */
  static start(netnsPath: string): Promise<SocketBroker> {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', ...scriptArgv('network/rootless/socket-broker-child')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(new SocketBroker(child, netnsPath)));
      child.once('error', reject);
    });
  }

  private ask<T extends Handle>(req: Request): Promise<T> {
    if (!this.child.connected) return Promise.reject(new Error(`the socket broker in ${this.netnsPath} is gone`));
    return this.replies.request<T>((id) => this.child.send({ ...req, id } as BrokerRequest));
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
