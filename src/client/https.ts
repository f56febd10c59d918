// The Client over HTTPS, for components outside the API server's process (agents on other
// hosts, `tinykube explain`). Same semantics as the in-process client: Status errors become
// StatusErrors, watches are newline-delimited JSON streams. With several servers
// (`https://a:6443,https://b:6443`) it stays on one until a connection to it fails (refused,
// reset, timed out), then moves on to the next and sends the request again there; a watch on a
// server that dies ends, and the informer resumes it (from its resourceVersion) on the next.

import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../apis/types.js';
import { StatusError, type StatusReason } from '../api/errors.js';
import type { Client, DeleteOptions, ListOptions, ListResult, PatchOptions, PatchType, ResourceId, Watch, WatchCallbacks, WatchOptions, WriteOptions } from './client.js';

export interface Endpoint {
  /** https://host:port, or unix:///path/api.sock (the API's unix socket, TLS inside); several
   *  comma-separated for failover. */
  server: string;
  ca: string;
  token: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Reads server, CA and token from a kubeconfig written by `tinykube up`. */
export function endpointFromKubeconfig(path: string): Endpoint {
  const kc = parse(readFileSync(path, 'utf8'));
  const ctx = kc.contexts.find((c: { name: string }) => c.name === kc['current-context'])?.context ?? kc.contexts[0].context;
  const cluster = kc.clusters.find((c: { name: string }) => c.name === ctx.cluster).cluster;
  const user = kc.users.find((u: { name: string }) => u.name === ctx.user).user;
  return { server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(), token: user.token };
}

function resourcePath(r: ResourceId, namespace: string | undefined, name?: string, subresource?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.resource}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Where requests go: a base URL, or a unix socket with the certificate's name `localhost`. */
function target(server: string): { base: string; socketPath?: string } {
  if (!server.startsWith('unix://')) return { base: server };
  return { base: 'https://localhost', socketPath: server.slice('unix://'.length) };
}

/** Errors that say the server is not there (rather than that it refused the request). */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT', 'ECONNABORTED']);
/** A request (not a watch) that gets no answer in this time counts as a failed connection. */
const REQUEST_TIMEOUT_MS = 15_000;

export const isConnectionError = (err: unknown): boolean => CONNECTION_ERRORS.has((err as NodeJS.ErrnoException)?.code ?? '');

export class HttpsClient implements Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly targets: { base: string; socketPath?: string }[];
  /** The server in use; it changes only when a connection to it fails. */
  private current = 0;

  constructor(private readonly ep: Endpoint, private readonly manager: string) {
    this.targets = ep.server.split(',').map((s) => target(s.trim())).filter((t) => t.base);
  }

  close(): void {
    this.agent.destroy();
  }

  /** Runs attempt against the current server, then each other one while connections fail. */
  private async failover<R>(attempt: (t: { base: string; socketPath?: string }) => Promise<R>): Promise<R> {
    for (let tried = 1; ; tried++) {
      const at = this.current;
      try {
        return await attempt(this.targets[at]);
      } catch (err) {
        if (!isConnectionError(err) || tried >= this.targets.length) throw err;
        // Another request may have moved on already.
        if (this.current === at) this.current = (at + 1) % this.targets.length;
      }
    }
  }

  private send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ res: IncomingMessage; text: string }> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return this.failover((t) => new Promise((resolve, reject) => {
      const req = request(t.base + path, {
        method,
        agent: this.agent,
        socketPath: t.socketPath,
        timeout: REQUEST_TIMEOUT_MS,
        ca: this.ep.ca,
        headers: {
          Authorization: `Bearer ${this.ep.token}`,
          Accept: 'application/json',
          ...(data !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) } : {}),
        },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ res, text }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${t.base} in ${REQUEST_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(data);
    }));
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const { res, text } = await this.send(method, path, body, contentType);
    const parsed = text ? JSON.parse(text) : undefined;
    if ((res.statusCode ?? 500) >= 400) throw toError(res.statusCode ?? 500, parsed);
    return parsed as T;
  }

  get<T extends KubeObject>(r: ResourceId, namespace: string | undefined, name: string): Promise<T> {
    return this.call('GET', resourcePath(r, namespace, name));
  }

  async list<T extends KubeObject>(r: ResourceId, namespace?: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const list = await this.call<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>(
      'GET',
      resourcePath(r, namespace) + query({ ...opts }),
    );
    return { items: list.items, resourceVersion: list.metadata.resourceVersion, ...(list.metadata.continue ? { continue: list.metadata.continue } : {}) };
  }

  create<T extends KubeObject>(r: ResourceId, namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const name = opts.subresource ? obj.metadata.name : undefined;
    return this.call('POST', resourcePath(r, namespace, name, opts.subresource) + query({ fieldManager: opts.fieldManager ?? this.manager, dryRun: opts.dryRun ? 'All' : undefined }), obj);
  }

  update<T extends KubeObject>(r: ResourceId, namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return this.call('PUT', resourcePath(r, namespace, obj.metadata.name, opts.subresource) + query({ fieldManager: opts.fieldManager ?? this.manager, dryRun: opts.dryRun ? 'All' : undefined }), obj);
  }

  patch<T extends KubeObject>(r: ResourceId, namespace: string | undefined, name: string, type: PatchType, body: unknown, opts: PatchOptions = {}): Promise<T> {
    return this.call(
      'PATCH',
      resourcePath(r, namespace, name, opts.subresource) + query({ fieldManager: opts.fieldManager ?? this.manager, force: opts.force, dryRun: opts.dryRun ? 'All' : undefined }),
      body,
      PATCH_CONTENT_TYPES[type],
    );
  }

  async delete(r: ResourceId, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    await this.call('DELETE', resourcePath(r, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  async watch<T extends KubeObject>(r: ResourceId, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): Promise<Watch> {
    const path = resourcePath(r, namespace) + query({ watch: 'true', ...opts });
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      cb.end(err);
    };
    return this.failover((t) => new Promise((resolve, reject) => {
      let started = false;
      const req = request(t.base + path, { ca: this.ep.ca, socketPath: t.socketPath, headers: { Authorization: `Bearer ${this.ep.token}`, Accept: 'application/json' } }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => reject(toError(res.statusCode ?? 500, text ? JSON.parse(text) : undefined)));
          return;
        }
        started = true;
        resolve({ cancel: () => { ended = true; req.destroy(); } });
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim() || ended) continue;
            const ev = JSON.parse(line) as { type: string; object: KubeObject };
            if (ev.type === 'ERROR') {
              const s = ev.object as unknown as { code?: number };
              end(toError(s.code ?? 500, ev.object));
              req.destroy();
              return;
            }
            cb.event(ev.type as 'ADDED', ev.object as T);
          }
        });
        res.on('end', () => end());
        res.on('error', (e) => end(e));
      });
      // Before the stream started the caller gets the error (and failover tries the next
      // server); after, the watch ends with it.
      req.on('error', (e) => (started ? end(e) : reject(e)));
      req.end();
    }));
  }
}

function toError(code: number, body: unknown): StatusError {
  const s = (body ?? {}) as { reason?: StatusReason; message?: string; details?: never };
  return new StatusError(code, s.reason ?? 'InternalError', s.message ?? `HTTP ${code}`, s.details);
}
