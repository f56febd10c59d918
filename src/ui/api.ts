// The page's API access: the token as a bearer header, list then watch from that
// resourceVersion (re-listing after a 410 or a dropped stream), and the traffic event stream.

import type { KubeObject } from '../apis/types.js';

export class Unauthorized extends Error {}

export class Api {
  constructor(private readonly token: string) {}

  private async fetch(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' }, signal });
    if (res.status === 401) throw new Unauthorized('the token was not accepted (401)');
    return res;
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.fetch(path);
    const body = await res.json();
    if (!res.ok) throw new Error(body.message ?? `${res.status}`);
    return body as T;
  }

  /** Keeps `onChange` fed with the collection's current items until `signal` aborts. */
  async watchList<T extends KubeObject>(path: string, onChange: (items: Map<string, T>) => void, signal: AbortSignal): Promise<void> {
    const items = new Map<string, T>();
    const key = (o: T): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    while (!signal.aborted) {
      try {
        const list = await this.get<{ items: T[]; metadata: { resourceVersion: string } }>(path);
        items.clear();
        for (const o of list.items) items.set(key(o), o);
        onChange(items);
        const sep = path.includes('?') ? '&' : '?';
        const res = await this.fetch(`${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`, signal);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let nl: number;
          let changed = false;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as { type: string; object: T };
            if (ev.type === 'ERROR') throw new Error('watch expired');
            if (ev.type === 'BOOKMARK') continue;
            if (ev.type === 'DELETED') items.delete(key(ev.object));
            else items.set(key(ev.object), ev.object);
            changed = true;
          }
          if (changed) onChange(items);
        }
      } catch (e) {
        if (e instanceof Unauthorized || signal.aborted) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Calls `onEvent` with each server-sent event's parsed data until `signal` aborts. */
  async events<T>(path: string, onEvent: (data: T) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await this.fetch(path, signal);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const data = buf.slice(0, end).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            buf = buf.slice(end + 2);
            if (data) onEvent(JSON.parse(data) as T);
          }
        }
      } catch (e) {
        if (e instanceof Unauthorized || signal.aborted) throw e;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
