// Writes audit.k8s.io/v1 Events for the requests the policy selects: RequestReceived when an
// authenticated request arrives, ResponseStarted when a long-running one (watch, exec) sends
// its headers, ResponseComplete when the response ends. The level says how much goes in:
// Metadata (who, what, the outcome), Request (+ the request body), RequestResponse (+ the
// response body; never for a watch's stream). Errors carry their Status' message and reason at
// every level, as kube-apiserver's do.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../auth/authenticate.js';
import type { RequestInfo } from '../request-info.js';
import { bodyRead, decodeBody, mediaType } from '../http/body.js';
import { decide, type Level, type Policy, type Stage } from './policy.js';
import type { LineSink } from './log-file.js';

const LONG_RUNNING = new Set(['watch', 'connect']);

/** kube-apiserver's MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

export class Auditor {
  constructor(
    private readonly policy: Policy,
    private readonly sink: LineSink,
    private readonly now: () => Date = () => new Date(),
  ) {}

  close(): void {
    this.sink.close();
  }

  /** Audits this request from now to the end of its response (if the policy selects it). */
  begin(req: IncomingMessage, res: ServerResponse, info: RequestInfo, user: UserInfo): void {
    const verb = info.isResource ? info.verb : (req.method ?? 'GET').toLowerCase();
    const { level, omitStages } = decide(this.policy, { user, verb, info });
    if (level === 'None') return;
    const auditID = randomUUID();
    res.setHeader('Audit-Id', auditID);
    const received = this.now();
    const base = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID,
      requestURI: req.url ?? '/',
      verb,
      user: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) },
      sourceIPs: sourceIPs(req),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      ...(info.isResource ? { objectRef: objectRef(info) } : {}),
      requestReceivedTimestamp: microTime(received),
    };
    const emit = (stage: Stage, extra: object = {}): void => {
      if (!omitStages.includes(stage)) this.sink.write(JSON.stringify({ ...base, stage, ...extra, stageTimestamp: microTime(this.now()) }));
    };
    emit('RequestReceived');

    const longRunning = LONG_RUNNING.has(verb);
    const capture = level === 'RequestResponse' && !longRunning;
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown): void => {
      if (chunk && typeof chunk !== 'function' && (capture || res.statusCode >= 400)) chunks.push(Buffer.from(chunk as string | Uint8Array));
    };
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    let started = false;
    const start = (): void => {
      if (started || !longRunning) return;
      started = true;
      emit('ResponseStarted', { responseStatus: { metadata: {}, code: res.statusCode } });
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      start();
      if (!longRunning) keep(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    let completed = false;
    const complete = (): void => {
      if (completed) return;
      completed = true;
      const body = Buffer.concat(chunks);
      emit('ResponseComplete', {
        responseStatus: responseStatus(res.statusCode, body),
        ...requestObject(level, req),
        ...(capture ? jsonField('responseObject', body) : {}),
      });
    };
    // Logged before the last bytes go out, so a client that has its answer finds it in the log;
    // a response cut short (the client left a watch) is logged when its connection closes.
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      start();
      keep(chunk);
      complete();
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.once('close', complete);
  }
}

function objectRef(info: Extract<RequestInfo, { isResource: true }>): object {
  return {
    resource: info.resource,
    ...(info.namespace ? { namespace: info.namespace } : {}),
    ...(info.name ? { name: info.name } : {}),
    ...(info.group ? { apiGroup: info.group } : {}),
    apiVersion: info.version,
    ...(info.subresource ? { subresource: info.subresource } : {}),
  };
}

function sourceIPs(req: IncomingMessage): string[] {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const remote = req.socket.remoteAddress?.replace(/^::ffff:/, '');
  return [...new Set([...forwarded, ...(remote ? [remote] : ['127.0.0.1'])])];
}

function responseStatus(code: number, body: Buffer): object {
  if (code < 400) return { metadata: {}, code };
  const s = parseJson(body) as { kind?: string; status?: string; message?: string; reason?: string } | undefined;
  return s?.kind === 'Status' ? { metadata: {}, status: s.status, message: s.message, reason: s.reason, code } : { metadata: {}, code };
}

function requestObject(level: Level, req: IncomingMessage): object {
  const body = bodyRead(req);
  if (level === 'Metadata' || !body?.length) return {};
  try {
    return { requestObject: decodeBody(body, mediaType(req)) };
  } catch {
    return {};
  }
}

function jsonField(field: string, body: Buffer): object {
  const v = parseJson(body);
  return v === undefined ? {} : { [field]: v };
}

function parseJson(body: Buffer): unknown {
  if (!body.length) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
