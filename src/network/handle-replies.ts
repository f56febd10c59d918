// Requests to a helper process answered over Node's IPC channel with a socket handle, or an
// error: the id bookkeeping shared by the rootless socket broker (a Node.js child in one
// namespace) and the netns socket helper (python3, entering any namespace).

import type dgram from 'node:dgram';
import type net from 'node:net';

export type Handle = net.Socket | net.Server | dgram.Socket;

export type HandleReply = { id: number; port?: number } | { id: number; error: string; code: string };

export class HandleReplies {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (h: Handle) => void; reject: (e: Error) => void }>();

  /** `helper` names it in errors ("the socket broker"). */
  constructor(private readonly helper: string) {}

  /** A new request: `send` writes it with its id; the promise is the answer. */
  request<T extends Handle>(send: (id: number) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (h: Handle) => void, reject });
      send(id);
    });
  }

  /** The helper's 'message' listener. */
  settle(r: HandleReply, handle?: Handle): void {
    const w = this.waiting.get(r.id);
    if (!w) return;
    this.waiting.delete(r.id);
    if ('error' in r) w.reject(Object.assign(new Error(r.error), { code: r.code }));
    else if (handle) w.resolve(handle);
    else w.reject(new Error(`${this.helper} answered without a socket`));
  }

  /** The helper is gone: every request waiting fails with `reason`. */
  failAll(reason: string): void {
    for (const w of this.waiting.values()) w.reject(new Error(reason));
    this.waiting.clear();
  }
}
