// agnhost netexec: the HTTP endpoints and UDP commands of Kubernetes' network test server.
// Answers follow agnhost's: plain text, JSON for /shell and /dial, any other path answers the time.

import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import type { HttpAnswer, PodInfo, RequestView } from './pages.js';
import type { ContainerContext } from './serve.js';

/** An answer after which the server exits with `exitCode` (/exit, /shutdown). */
export type NetexecAnswer = HttpAnswer & { exitCode?: number };

const DIAL_TIMEOUT_MS = 5000;

const text = (body: string, status = 200): NetexecAnswer => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });
const json = (value: Record<string, unknown>): NetexecAnswer => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

/** The UDP commands: `hostname`, `echo <msg>`, `clientip`; anything else gets no answer. */
export function netexecUdp(message: string, pod: PodInfo, client: string): string | undefined {
  const received = message.trim().toLowerCase();
  if (received === 'hostname') return pod.name;
  if (received.startsWith('echo ')) return received.slice('echo '.length);
  if (received === 'clientip') return client;
  return undefined;
}

/** Runs `sh -c cmd` (as the container: its env, dir and network) and reports as Go's
 *  CombinedOutput and exec error text would. */
function shell(cmd: string, container?: ContainerContext): Promise<Record<string, string>> {
  const [file, ...args] = container ? container.wrap(['/bin/sh', '-c', cmd]) : ['/bin/sh', '-c', cmd];
  const opts = container ? { encoding: 'utf8' as const, env: container.env, cwd: container.cwd } : { encoding: 'utf8' as const };
  return new Promise((resolve) => {
    execFile(file!, args, opts, (err, stdout, stderr) => {
      const out: Record<string, string> = {};
      if (err) {
        const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: string | null };
        out.error = typeof e.code === 'number' ? `exit status ${e.code}` : e.signal ? `signal: ${e.signal}` : e.message;
      }
      const output = stdout + stderr;
      if (output) out.output = output;
      resolve(out);
    });
  });
}

function dialHttp(host: string, port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: `/${request.replace(/^\//, '')}`, timeout: DIAL_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('Client.Timeout exceeded while awaiting headers')));
    req.on('error', reject);
  });
}

function dialUdp(host: string, port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const done = (err: Error | undefined, answer?: string): void => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(answer ?? '');
    };
    const timer = setTimeout(() => done(new Error("reading from udp connection failed. err:'i/o timeout'")), DIAL_TIMEOUT_MS);
    sock.on('message', (m) => done(undefined, m.toString()));
    sock.on('error', (e) => done(new Error(`udp connection write failed. err:${e.message}`)));
    sock.send(request, port, host);
  });
}

async function dial(q: URLSearchParams): Promise<NetexecAnswer> {
  const tries = q.has('tries') ? Number(q.get('tries')) : 1;
  const request = q.get('request') ?? '';
  const protocol = (q.get('protocol') || 'http').toLowerCase();
  if (!Number.isInteger(tries)) return text(`tries parameter is invalid.\n`, 400);
  if (!request) return text('request parameter not specified.\n', 400);
  if (protocol !== 'http' && protocol !== 'udp') return text(`unsupported protocol. ${protocol}\n`, 400);
  const host = q.get('host') ?? '';
  const port = Number(q.get('port'));
  const dialer = protocol === 'udp' ? dialUdp : dialHttp;
  const responses: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < tries; i++) {
    try {
      responses.push(await dialer(host, port, request));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return json({ ...(responses.length ? { responses } : {}), ...(errors.length ? { errors } : {}) });
}

export async function netexecHttp(pod: PodInfo, req: RequestView, container?: ContainerContext): Promise<NetexecAnswer> {
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams;
  switch (url.pathname) {
    case '/clientip':
      return text(req.client);
    case '/echo': {
      const code = q.get('code');
      if (code && !Number.isInteger(Number(code))) return text(`argument 'code' must be an integer or empty, got ${JSON.stringify(code)}\n`);
      return text(q.get('msg') ?? '', code ? Number(code) : 200);
    }
    case '/exit': {
      const code = q.get('code') ?? '';
      if (code && !/^\d+$/.test(code)) return text(`argument 'code' must be an integer [0-127] or empty, got ${JSON.stringify(code)}\n`);
      return { ...text(''), exitCode: Number(code || 0) };
    }
    case '/shutdown':
      return { ...text(''), exitCode: 0 };
    case '/healthz':
      return text('');
    case '/hostname':
    case '/hostName':
      return text(pod.name);
    case '/shell':
      return json(await shell(q.get('shellCommand') || q.get('cmd') || '', container));
    case '/dial':
      return dial(q);
    case '/redirect': {
      const code = Number(q.get('code') || 302);
      return { status: code, headers: { Location: q.get('location') ?? '/' }, body: '' };
    }
    default:
      return text(`NOW: ${new Date().toISOString()}`);
  }
}
