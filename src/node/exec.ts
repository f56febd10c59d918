// `kubectl exec` (KUBECTL-API.md §10.1): a WebSocket speaking v5.channel.k8s.io (or v4). Every
// message starts with a channel byte: 0 stdin (client → server), 1 stdout, 2 stderr, 3 the final
// Status, 4 terminal resize (ignored: no real terminal here); in v5, `255 0` closes stdin.
// The command runs on the host in the pod's environment (containerEnv) and working directory.
// With tty=true it runs under `script -qfec CMD /dev/null` when the host has util-linux's
// `script`, so a shell gets a terminal (prompt, echo, line editing); otherwise over plain pipes.

import { spawn, type ChildProcess } from 'node:child_process';
import { inNetns, type PodPlacement } from './pod-placement.js';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { delimiter, join } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errors, StatusError } from '../util/status-errors.js';
import { refuseUpgrade, toStatusError } from '../api/http/respond.js';
import type { UpgradeHandler } from '../api/server.js';
import type { Pod } from '../apis/core/pods.js';
import type { Service } from '../apis/core/service/types.js';
import { R, type Client } from '../client/client.js';
import { fetchSources } from './config-sources.js';
import { readStarted } from './started-env.js';
import { enterMountNs } from './mount-holder.js';
import { addressesOf, containerEnv } from './env.js';
import { busyboxOf, containerCwd } from './images/resolve.js';
import { appletArgv } from './images/busybox.js';
import { imageMeta } from './images/image-meta.js';
import { parseImage } from './images/image-ref.js';
import { pickContainer } from './logs.js';
import { hostTool } from './runtime/host-tool.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  container: string | null;
}

export function parseExecQuery(q: URLSearchParams): ExecRequest {
  const flag = (name: string): boolean => q.get(name) === 'true' || q.get(name) === '1';
  return {
    command: q.getAll('command'),
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
    container: q.get('container'),
  };
}

/** The channel-3 Status for a process that ended with `code` (what kubectl turns into
 *  `command terminated with exit code N` and its own exit code). */
export function exitStatus(command: string[], code: number): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function onPath(name: string, path: string): string | undefined {
  return path
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find((p) => existsSync(p));
}

/** The argv that gives `command` a terminal, or the command itself where `script` is missing. */
export function ttyArgv(command: string[], path: string): string[] {
  const script = onPath('script', path);
  return script ? [script, '-qfec', command.map(shellQuote).join(' '), '/dev/null'] : command;
}

interface Prepared {
  req: ExecRequest;
  /** The command as it runs here (an image's `/bin/sh` may be a busybox applet). */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  netns: string | undefined;
  /** The container's main process, when it has a mount namespace of its own (its volumes). */
  mountPid: number | undefined;
}

/** Checks the request against the pod as the apiserver and kubelet do, before any upgrade. */
async function prepare(deps: ExecDeps, url: URL, namespace: string | undefined, name: string): Promise<Prepared> {
  const req = parseExecQuery(url.searchParams);
  if (!req.command.length) throw errors.badRequest('you must specify at least 1 command');
  if (!req.stdin && !req.stdout && !req.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  const pod = await deps.client.get<Pod>(R.pods, namespace, name);
  const container = pickContainer(pod, req.container);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const running = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((c) => c.name === container)?.state?.running;
  const podIP = pod.status?.podIP;
  if (phase !== 'Running' || !running || !podIP) throw errors.badRequest(`unable to upgrade connection: container not found ("${container}")`);
  const spec = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].find((c) => c.name === container)!;
  const dataDir = deps.placement.dataDir(pod);
  const env = { ...(readStarted(dataDir, pod, container)?.env ?? containerEnv(pod, spec, deps.services(), addressesOf(pod), await fetchSources(deps.client, pod))) };
  if (req.tty) env.TERM = 'xterm';
  const cwd = containerCwd(dataDir, pod, spec);
  await mkdir(cwd, { recursive: true });
  // `/bin/sh` in a busybox-based image is its applet, as in the image.
  const { bin } = busyboxOf(imageMeta(parseImage(spec.image ?? '')), dataDir);
  const argv = bin ? appletArgv(bin, req.command) : req.command;
  const mountPid = await enterMountNs(dataDir, pod, container);
  return { req, argv, env, cwd, netns: deps.placement.netns(pod), mountPid };
}

function offeredProtocol(req: IncomingMessage): string | undefined {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return undefined;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return EXEC_PROTOCOLS.find((p) => offered.includes(p));
}

function run(ws: WebSocket, p: Prepared): void {
  const { req, env, cwd } = p;
  const v5 = ws.protocol === EXEC_PROTOCOLS[0];
  const command = req.tty ? ttyArgv(p.argv, process.env.PATH ?? '') : p.argv;
  // Into the container's own mount namespace, root and working directory when it has them.
  const argv = p.mountPid ? [hostTool('nsenter'), '-t', String(p.mountPid), '-m', '-n', '-r', '-w', ...command] : inNetns(p.netns, command);
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  };
  const finish = (status: object): void => {
    send(CHANNEL.error, JSON.stringify(status));
    ws.close(1000);
  };

  // Its own process group, so a client that leaves takes the whole command with it.
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: [req.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let done = false;
  child.stdout!.on('data', (d: Buffer) => req.stdout && send(CHANNEL.stdout, d));
  // A terminal has one output stream.
  child.stderr!.on('data', (d: Buffer) => (req.tty ? send(CHANNEL.stdout, d) : req.stderr && send(CHANNEL.stderr, d)));
  child.stdin?.on('error', () => {});
  child.on('error', (e: NodeJS.ErrnoException) => {
    done = true;
    const why = e.code === 'ENOENT' ? `exec: "${req.command[0]}": executable file not found in $PATH` : e.message;
    finish(errors.internal(`error executing command in container: ${why}`).toStatus());
  });
  child.on('close', (code, signal) => {
    if (done) return;
    done = true;
    // Killed by a signal: the shell's convention, 128 + its number.
    finish(exitStatus(req.command, code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });

  ws.on('message', (data: RawData) => {
    const msg = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    if (msg[0] === CHANNEL.stdin) child.stdin?.write(msg.subarray(1));
    else if (v5 && msg[0] === CHANNEL.close && msg[1] === CHANNEL.stdin) child.stdin?.end();
  });
  ws.on('close', () => {
    if (done || child.pid === undefined) return;
    done = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
}

export interface ExecDeps {
  client: Client;
  placement: PodPlacement;
  /** Every Service the node knows, for the service variables. */
  services: () => Service[];
}

export function execHandler(deps: ExecDeps): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  return (req, socket, head, info) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    prepare(deps, url, info.namespace, info.name ?? '').then(
      (prepared) => {
        if (!offeredProtocol(req)) {
          return refuseUpgrade(socket, errors.badRequest(`exec needs a WebSocket offering ${EXEC_PROTOCOLS.join(' or ')}`));
        }
        wss.handleUpgrade(req, socket, head, (ws) => run(ws, prepared));
      },
      (e: unknown) => refuseUpgrade(socket, toStatusError(e)),
    );
  };
}
