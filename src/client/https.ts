// The Client over HTTPS, for components outside the API server's process (agents on other
// hosts, `tinykube explain`). Same semantics as the in-process client: Status errors become
// StatusErrors, watches are newline-delimited JSON streams. With several servers
// (`https://a:6443,https://b:6443`) it stays on one until a connection to it fails (refused,
// reset, timed out), then moves on to the next. There it sends the request again only when that
// cannot do it twice, as client-go retries: a read always, a write only if it never reached the
// failed server (refused, or no TLS session yet); a write that may have landed fails with its
// connection error. A watch on a server that dies ends, and the informer resumes it (from its
// resourceVersion) on the next.
//
// A watch ends by itself after its timeoutSeconds (the server closes it; a client-side deadline a
// little later covers a half-open connection that never delivers that close), and its socket has
// TCP keepalive. A body that is not JSON (a load balancer's HTML error page) is a StatusError, in a
// watch too, never an exception thrown from a socket callback.

import { Agent, request } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../apis/types.js';
import { tokenFromFile } from './token-file.js';
import { StatusError, type StatusReason } from '../util/status-errors.js';
import type { Client, DeleteOptions, ListOptions, ListResult, PatchOptions, PatchType, ResourceId, Watch, WatchCallbacks, WatchOptions, WriteOptions } from './client.js';

export interface Endpoint {
  /** https://host:port, or unix:///path/api.sock (the API's unix socket, TLS inside); several
   *  comma-separated for failover. */
  server: string;
  ca: string;
  /** A bearer token, or a client certificate (an agent's own, after it joined). */
  token?: string;
  /** A file holding the bearer token, read again as it is rotated (token-file.ts). */
  tokenFile?: string;
  cert?: { cert: string; key: string };
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Reads server, CA and token from a kubeconfig written by `tinykube up`. */
export function endpointFromKubeconfig(path: string): Endpoint & { token: string } {
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
/** A request that gets no answer (a watch: no response head) in this time counts as a failed
 *  connection. */
const REQUEST_TIMEOUT_MS = 15_000;
/** How long after its timeoutSeconds a watch's client gives up waiting for the server's close. */
const WATCH_DEADLINE_GRACE_MS = 5_000;
/** Idle time before TCP keepalive probes start on a watch's socket. */
const KEEPALIVE_MS = 30_000;

export const isConnectionError = (err: unknown): boolean => CONNECTION_ERRORS.has((err as NodeJS.ErrnoException)?.code ?? '');

/** Set on a connection error once the request may have reached the server. */
const MAY_HAVE_LANDED = Symbol('mayHaveLanded');
type SendError = NodeJS.ErrnoException & { [MAY_HAVE_LANDED]?: boolean };

/** Whether failover may send the request again: reads always, writes only if the failed
 *  attempt cannot have landed. */
const safeToResend = (err: unknown, idempotent: boolean): boolean => isConnectionError(err) && (idempotent || !(err as SendError)[MAY_HAVE_LANDED]);

/** Marks req's errors with whether the request may have reached the server: once its socket is
 *  reused or has finished the TLS handshake, the request bytes can be there. */
function trackLanding(req: ClientRequest): (err: SendError) => SendError {
  let connected = false;
  req.on('socket', (s) => {
    if (req.reusedSocket) connected = true;
    else s.once('secureConnect', () => (connected = true));
  });
  return (err) => Object.assign(err, { [MAY_HAVE_LANDED]: connected });
}

export class HttpsClient implements Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly targets: { base: string; socketPath?: string }[];
  /** The server in use; it changes only when a connection to it fails. */
  private current = 0;
  private readonly token: () => string | undefined;

  constructor(private readonly ep: Endpoint, private readonly manager: string) {
    this.targets = ep.server.split(',').map((s) => target(s.trim())).filter((t) => t.base);
    this.token = ep.tokenFile ? tokenFromFile(ep.tokenFile) : () => ep.token;
    // A token file that cannot be read fails here, at start, not at the first request.
    this.token();
  }

  close(): void {
    this.agent.destroy();
  }

  private secureContext?: SecureContext;

  /** One TLS context for every connection (each new one would parse the CA, certificate and key
   *  again). ca, cert and key stay in the options: Node's agents name their pools and TLS session
   *  caches by them, and a session resumed under another CA's name would skip verification. */
  private tls(): { secureContext: SecureContext; ca: string; cert?: string; key?: string } {
    const names = { ca: this.ep.ca, ...(this.ep.cert ? { cert: this.ep.cert.cert, key: this.ep.cert.key } : {}) };
    this.secureContext ??= createSecureContext(names);
    return { ...names, secureContext: this.secureContext };
  }

  private authorization(): { Authorization?: string } {
    const token = this.token();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** Runs attempt against the current server, then each other one while connections fail and
   *  sending again is safe. */
  private async failover<R>(idempotent: boolean, attempt: (t: { base: string; socketPath?: string }) => Promise<R>): Promise<R> {
    for (let tried = 1; ; tried++) {
      const at = this.current;
      try {
        return await attempt(this.targets[at]);
      } catch (err) {
        if (isConnectionError(err) && this.current === at) this.current = (at + 1) % this.targets.length;
        if (!safeToResend(err, idempotent) || tried >= this.targets.length) throw err;
      }
    }
  }

  private send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ res: IncomingMessage; text: string }> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return this.failover(method === 'GET', (t) => new Promise((resolve, reject) => {
      const req = request(t.base + path, {
        method,
        agent: this.agent,
        socketPath: t.socketPath,
        timeout: REQUEST_TIMEOUT_MS,
        ...this.tls(),
        headers: {
          ...this.authorization(),
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
      const landing = trackLanding(req);
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${t.base} in ${REQUEST_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(landing(e)));
      req.end(data);
    }));
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const { res, text } = await this.send(method, path, body, contentType);
    return decode<T>(res.statusCode ?? 500, text);
  }

  /** A POST to a path outside the API's resources (the kubelet certificate request). */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.call('POST', path, body);
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
    return this.failover(true, (t) => new Promise((resolve, reject) => {
      let started = false;
      const req = request(t.base + path, { ...this.tls(), socketPath: t.socketPath, headers: { ...this.authorization(), Accept: 'application/json' } }, (res) => {
        clearTimeout(noAnswer);
        if ((res.statusCode ?? 500) >= 400) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => reject(decodeError(res.statusCode ?? 500, text)));
          return;
        }
        started = true;
        resolve({ cancel: () => { ended = true; clearTimeout(deadline); req.destroy(); } });
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim() || ended) continue;
            const ev = parseEvent(line);
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
      req.on('socket', (s) => s.setKeepAlive(true, KEEPALIVE_MS));
      const timedOut = (what: string): void => {
        req.destroy(Object.assign(new Error(`${what} from ${t.base}`), { code: 'ETIMEDOUT' }));
      };
      const noAnswer = setTimeout(() => timedOut(`no answer in ${REQUEST_TIMEOUT_MS} ms`), REQUEST_TIMEOUT_MS);
      const deadline = opts.timeoutSeconds
        ? setTimeout(() => timedOut(`watch not closed ${opts.timeoutSeconds} s after it began`), opts.timeoutSeconds * 1000 + WATCH_DEADLINE_GRACE_MS)
        : undefined;
      // Before the stream started the caller gets the error (and failover tries the next
      // server); after, the watch ends with it.
      req.on('error', (e) => (started ? end(e) : reject(e)));
      req.on('close', () => {
        clearTimeout(noAnswer);
        clearTimeout(deadline);
      });
      req.end();
    }));
  }
}

/** A response body: the object, or (for an error status) a StatusError. Bodies that are not
 *  JSON become StatusErrors carrying their first line, as client-go reports them. */
function decode<T>(code: number, text: string): T {
  if (code >= 400) throw decodeError(code, text);
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    throw new StatusError(500, 'InternalError', `the server answered ${code} with a body that is not JSON: ${excerpt(text)}`);
  }
}

function decodeError(code: number, text: string): StatusError {
  try {
    return toError(code, text ? JSON.parse(text) : undefined);
  } catch {
    return new StatusError(code, NON_STATUS_REASONS[code] ?? 'InternalError', `an error on the server (${excerpt(text)}) has prevented the request from succeeding`);
  }
}

/** A watch line; a line that is not a watch event (say, an HTML page a proxy wrote into the
 *  stream) ends the watch as an ERROR, and the informer watches again. */
function parseEvent(line: string): { type: string; object: KubeObject } {
  try {
    const ev = JSON.parse(line) as { type?: unknown; object?: unknown };
    if (typeof ev.type === 'string' && typeof ev.object === 'object' && ev.object !== null) return ev as { type: string; object: KubeObject };
  } catch {
    // reported below
  }
  const status = new StatusError(500, 'InternalError', `the watch stream carried something that is not an event: ${excerpt(line)}`).toStatus();
  return { type: 'ERROR', object: status as unknown as KubeObject };
}

/** Reasons for error answers without a Status body (apimachinery's NewGenericServerResponse). */
const NON_STATUS_REASONS: Partial<Record<number, StatusReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function excerpt(text: string): string {
  const flat = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}...` : flat || 'empty body';
}

function toError(code: number, body: unknown): StatusError {
  const s = (body ?? {}) as { reason?: StatusReason; message?: string; details?: never };
  return new StatusError(code, s.reason ?? 'InternalError', s.message ?? `HTTP ${code}`, s.details);
}
