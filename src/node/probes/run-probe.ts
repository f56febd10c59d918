// One probe attempt against a container (the effects of kubelet's prober): an HTTP GET to the
// pod IP, a TCP connect, or a command run with the container's environment. Each answers
// ok or not with the output kubelet would put in the Unhealthy event.

import { spawn } from 'node:child_process';
import { inNetns } from '../pod-placement.js';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, Probe } from '../../apis/core/pod-template.js';
import { signalGroup } from '../runtime/process-runner.js';

export interface ProbeTarget {
  podIP: string;
  container: Container;
  env: Record<string, string>;
  cwd?: string;
  /** The pod's network namespace, where exec probes run. */
  netns?: string;
}

export interface ProbeOutcome {
  ok: boolean;
  output: string;
}

export type ProbeRunner = (probe: Probe, target: ProbeTarget) => Promise<ProbeOutcome>;

const USER_AGENT = 'kube-probe/1.32';
const MAX_OUTPUT = 10 * 1024;

/** A named port is looked up among the container's ports, as kubelet does. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^[0-9]+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const why = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.code === 'ETIMEDOUT' ? 'i/o timeout' : err.message;
  return `dial tcp ${host}:${port}: ${why}`;
}

function httpProbe(probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const get = probe.httpGet!;
  const host = get.host || t.podIP;
  const port = resolvePort(get.port, t.container);
  const scheme = (get.scheme ?? 'HTTP').toLowerCase();
  const url = `${scheme}://${host}${port ? `:${port}` : ''}${get.path || '/'}`;
  if (!port) return Promise.resolve({ ok: false, output: `unable to resolve port ${String(get.port)}` });
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: '*/*' };
  for (const h of (get as { httpHeaders?: { name: string; value: string }[] }).httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(url, { headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      const code = res.statusCode ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => body.length < MAX_OUTPUT && (body += d));
      res.on('end', () => resolve(code >= 200 && code < 400 ? { ok: true, output: body } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` }));
      res.on('error', () => resolve({ ok: false, output: `HTTP probe failed with statuscode: ${code}` }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, output: `Get "${url}": ${dialError(host, port, err)}` }));
  });
}

function tcpProbe(probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(probe.tcpSocket!.port, t.container);
  const host = (probe.tcpSocket as { host?: string }).host || t.podIP;
  if (!port) return Promise.resolve({ ok: false, output: `unable to resolve port ${String(probe.tcpSocket!.port)}` });
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, output: dialError(host, port, err) }));
  });
}

function execProbe(probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const cmd = probe.exec?.command ?? [];
  if (!cmd.length) return Promise.resolve({ ok: false, output: 'no command' });
  const argv = inNetns(t.netns, cmd);
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(argv[0], argv.slice(1), { env: t.env, cwd: t.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += d.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => {
      signalGroup(child.pid, 'SIGKILL');
      resolve({ ok: false, output: `command ${JSON.stringify(cmd.join(' '))} timed out` });
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      signalGroup(child.pid, 'SIGKILL');
      resolve({ ok: code === 0, output: output.trimEnd() });
    });
  });
}

export const runProbe: ProbeRunner = (probe, target) => {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe, target, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe, target, timeoutMs);
  if (probe.exec) return execProbe(probe, target, timeoutMs);
  return Promise.resolve({ ok: false, output: 'probe has no handler' });
};
