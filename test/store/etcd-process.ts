// Starts real etcd members for tests: loopback only, random free ports, a temp data dir each;
// stop() kills them by pid and removes the dirs, and so does the test process's exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export const ETCD_BINARY = '/usr/bin/etcd';

export interface EtcdMember {
  name: string;
  endpoint: string;
  /** Ends this member at once (SIGKILL), keeping its data dir. */
  kill(): Promise<void>;
  /** Starts a killed member again on its data dir and ports. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  endpoints: string[];
  members: EtcdMember[];
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Members of the cluster (default 1). */
  members?: number;
  /** etcd's --experimental-watch-progress-notify-interval (default 10m, etcd's own). */
  progressNotifyInterval?: string;
  /** For testing this helper (default /usr/bin/etcd). */
  binary?: string;
}

export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const binary = opts.binary ?? ETCD_BINARY;
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: the etcd store tests need a real etcd; install it with \`apt-get install -y etcd-server\``);
  }
  const n = opts.members ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-etcd-'));
  const specs = [];
  for (let i = 0; i < n; i++) specs.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peer}`).join(',');
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null);
  const cleanup = () => {
    for (const c of running()) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);

  const members: (EtcdMember & { started(): Promise<void> })[] = specs.map((s) => {
    const endpoint = `http://127.0.0.1:${s.client}`;
    const args = [
      `--name=${s.name}`,
      `--data-dir=${join(dir, s.name)}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${s.peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${s.peer}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${basename(dir)}`,
      '--log-level=error',
      '--logger=zap',
    ];
    if (opts.progressNotifyInterval) args.push(`--experimental-watch-progress-notify-interval=${opts.progressNotifyInterval}`);
    const launch = () => {
      const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
      children.push(child);
      return child;
    };
    let child = launch();
    return {
      name: s.name,
      endpoint,
      kill: () => killAndWait(child),
      restart: () => waitHealthy(endpoint, (child = launch()), output),
      started: () => waitHealthy(endpoint, child, output),
    };
  });

  // The data dirs go away with the members, so nothing needs a graceful shutdown (which, with a
  // peer already gone, etcd drags out for seconds).
  const stop = async () => {
    await Promise.all(running().map((c) => killAndWait(c)));
    process.removeListener('exit', cleanup);
    cleanup();
  };
  try {
    await Promise.all(members.map((m) => m.started()));
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoints: members.map((m) => m.endpoint), members, stop };
}

/** The member the others follow, as etcd's maintenance status (JSON gateway) reports it. */
export async function leaderOf(members: EtcdMember[]): Promise<EtcdMember> {
  for (const m of members) {
    const res = await fetch(`${m.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}' });
    const status = (await res.json()) as { header: { member_id: string }; leader: string };
    if (status.header.member_id === status.leader) return m;
  }
  throw new Error('no etcd member is the leader');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(endpoint: string, child: ChildProcess, output: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${output.join('')}`);
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} did not become healthy: ${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
