// Starts the real program (`bin/tinykube.js up`, built into dist/) on a temp data dir and a free
// port, and runs the real kubectl against it. Everything it starts it stops by pid, and it
// removes its temp dirs, even when a test fails. An `up` that does not stop within 30 s of its
// signal is SIGKILLed with everything below it (agents, image hosts, pods), and its netns
// namespaces are removed: a killed `up` stops nothing itself.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { asUser, rootlessBlocker, type TestUser } from '../support/rootless.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { MachineLock } from '../support/machine-lock.js';
import { descendants } from '../support/processes.js';

const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'tinykube.js');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Tinykube {
  private proc?: ChildProcess;
  private output = '';
  readonly kubeconfig: string;
  private readonly cacheDir: string;
  /** Long-running kubectl processes (port-forward) to stop with the cluster. */
  private readonly helpers: ChildProcess[] = [];
  /** `up` had to be SIGKILLed: its namespaces are left for destroy() to remove. */
  private killed = false;

  private constructor(
    readonly dataDir: string,
    private readonly extraArgs: string[],
    /** Who runs `up` (the rootless suites); this process's user when absent. */
    readonly user?: TestUser,
  ) {
    this.kubeconfig = join(dataDir, 'kubeconfig');
    this.cacheDir = join(dataDir, 'kubectl-cache');
  }

  /** Starts `tinykube up` and waits until its kubeconfig exists (the API answers then). One
   *  cluster at a time per machine: its well-known addresses (ClusterIPs, kube-dns, NodePorts)
   *  are machine-wide, so test files wait for each other's clusters. The loopback network
   *  unless the flags name another (the default network is the rootless one, where it can run);
   *  `network: 'default'` passes no --network at all. */
  static async start(extraArgs: string[] = [], dataDir?: string, opts: { user?: TestUser; network?: 'default' } = {}): Promise<Tinykube> {
    if (opts.user) {
      const why = rootlessBlocker();
      if (why) throw new Error(`the rootless network cannot run here: ${why}`);
    }
    await acquireMachineLock();
    const args = extraArgs.includes('--network') || opts.network === 'default' ? extraArgs : ['--network', 'loopback', ...extraArgs];
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tinykube-e2e-'));
    if (opts.user) chownSync(dir, opts.user.uid, opts.user.gid);
    const t = new Tinykube(dir, args, opts.user);
    try {
      await t.up();
    } catch (e) {
      await t.destroy();
      throw e;
    }
    return t;
  }

  async up(): Promise<void> {
    rmSync(this.kubeconfig, { force: true });
    const argv = [process.execPath, ...(process.env.TK_NODE_FLAGS?.split(' ') ?? []), BIN, 'up', '--data-dir', this.dataDir, '--api-port', '0', ...this.extraArgs];
    const [cmd, ...args] = this.user ? asUser(this.user, argv) : argv;
    const proc = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.user ? { ...process.env, HOME: this.dataDir } : process.env });
    this.proc = proc;
    proc.stdout!.on('data', (d) => (this.output += d));
    proc.stderr!.on('data', (d) => (this.output += d));
    // The netns networks write the kubeconfig once their nodes are Ready.
    const deadline = Date.now() + 60_000;
    while (!existsSync(this.kubeconfig)) {
      if (proc.exitCode !== null) throw new Error(`tinykube up exited with ${proc.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`tinykube up did not become ready:\n${this.output}`);
      await sleep(50);
    }
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get log(): string {
    return this.output;
  }

  /** Stops the process (SIGTERM, or the given signal) and waits for it to exit. */
  async down(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill(signal);
    const timer = setTimeout(() => {
      // Read before the kill: then they are init's.
      const below = descendants(proc.pid!);
      proc.kill('SIGKILL');
      for (const pid of below) killQuietly(pid);
      this.killed = true;
    }, 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  /** Stops, removes the data dir and lets the next cluster start. */
  async destroy(): Promise<void> {
    for (const p of this.helpers) if (p.exitCode === null && p.signalCode === null) p.kill();
    await this.down();
    // The rootless network's namespaces went with its user namespace.
    if (this.killed && !this.user) removeNetns(flagValue(this.extraArgs, '--netns-prefix') ?? 'tinykube');
    rmSync(this.dataDir, { recursive: true, force: true });
    releaseMachineLock();
  }

  /** `tinykube shell` on this cluster as its user: a node's name, `client`, or undefined (the
   *  first node); stdout, or '' when it fails. */
  shell(node: string | undefined, argv: string[], timeoutMs = 5_000): string {
    const target = node === 'client' ? ['--client'] : node ? [node] : [];
    const full = [process.execPath, BIN, 'shell', '--data-dir', this.dataDir, ...target, '--', ...argv];
    const [cmd, ...args] = this.user ? asUser(this.user, full) : full;
    const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: timeoutMs });
    return r.status === 0 ? r.stdout.trim() : '';
  }

  /** Runs kubectl with this cluster's kubeconfig and a private discovery cache. */
  kubectl(args: string[] | string, input?: string, env: NodeJS.ProcessEnv = {}): Result {
    const argv = typeof args === 'string' ? splitArgs(args) : args;
    const r = spawnSync('kubectl', ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...argv], {
      input,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** A kubeconfig of this cluster whose only credential is `token`: kubectl sends the admin
   *  kubeconfig's client certificate along with `--token`, and the certificate wins (as on
   *  kube-apiserver). */
  tokenKubeconfig(token: string): string {
    const kc = parseYaml(readFileSync(this.kubeconfig, 'utf8')) as { users: { user: unknown }[] };
    kc.users[0]!.user = { token };
    const path = join(this.dataDir, `token-${createHash('sha256').update(token).digest('hex').slice(0, 12)}.kubeconfig`);
    writeFileSync(path, stringifyYaml(kc), { mode: 0o600 });
    return path;
  }

  /** The name of a Ready node, once there is one. */
  readyNode(timeoutMs = 30_000): Promise<string> {
    return eventually(() => rows(this.k('get nodes')).find((r) => r[1] === 'Ready')?.[0], timeoutMs, 'a Ready node');
  }

  /** kubectl that must succeed; returns stdout. */
  k(args: string[] | string, input?: string): string {
    const r = this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${typeof args === 'string' ? args : args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** A kubectl process left running (e.g. `get -w`); the caller stops it. */
  kubectlStream(args: string[]): ChildProcess {
    return spawn('kubectl', ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** `kubectl port-forward` on this cluster (see portForward); stopped by destroy() at the latest. */
  async portForward(target: string, ports: string[], env: NodeJS.ProcessEnv = {}): Promise<PortForward> {
    return portForward(['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir], target, ports, env, this.helpers);
  }

  /** Writes a manifest into the data dir and returns its path. */
  manifest(name: string, yaml: string): string {
    const path = join(this.dataDir, name);
    writeFileSync(path, yaml);
    return path;
  }
}

export interface PortForward {
  proc: ChildProcess;
  /** The local port kubectl chose for a remote port. */
  local(remote: number): number;
  remotes: number[];
  stderr(): string;
}

/** Starts `kubectl port-forward TARGET PORTS…` and waits for its `Forwarding from` lines. The
 *  process is added to `started`, for the caller to stop. */
export async function portForward(kubectlArgs: string[], target: string, ports: string[], env: NodeJS.ProcessEnv, started: ChildProcess[]): Promise<PortForward> {
  const proc = spawn('kubectl', [...kubectlArgs, 'port-forward', target, ...ports], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const lines = await eventually(() => {
    if (proc.exitCode !== null) throw new Error(`kubectl port-forward exited ${proc.exitCode}: ${err}`);
    const m: RegExpExecArray[] = [...out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)];
    return m.length === ports.length ? m : undefined;
  }, 20_000, `port-forward ${target}`);
  const forwarded = lines.map((m) => [Number(m[1]), Number(m[2])] as const);
  return {
    proc,
    local: (remote) => forwarded.find(([, r]) => r === remote)![0],
    remotes: forwarded.map(([, r]) => r),
    stderr: () => err,
  };
}

export const EXAMPLES = join(ROOT, 'examples');

/** One e2e cluster or benchmark at a time on this machine, in the order they asked. */
const machineLock = new MachineLock(join(tmpdir(), 'tinykube-e2e.lock'));

export function acquireMachineLock(): Promise<void> {
  return machineLock.acquire();
}

export function releaseMachineLock(): void {
  machineLock.release();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

import { eventually } from '../support/eventually.js';
export { eventually };

/** Removes the network namespaces (and their /etc/netns entries) named PREFIX-*. */
export function removeNetns(prefix: string): void {
  for (const ns of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!)) {
    if (ns.startsWith(`${prefix}-`)) spawnSync('ip', ['netns', 'del', ns]);
  }
  if (!existsSync('/etc/netns')) return;
  for (const ns of readdirSync('/etc/netns')) if (ns.startsWith(`${prefix}-`)) rmSync(join('/etc/netns', ns), { recursive: true, force: true });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** `--NAME VALUE` or `--NAME=VALUE` among args. */
function flagValue(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i]!.includes('=') ? args[i]!.slice(name.length + 1) : args[i + 1];
}

/** Splits a command line on spaces, keeping 'quoted' and "quoted" words together. */
function splitArgs(s: string): string[] {
  return [...s.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The rows of kubectl's table output, split on runs of 2+ spaces. */
export function rows(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s{2,}/));
}

export function runSync(cmd: string, args: string[]): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
