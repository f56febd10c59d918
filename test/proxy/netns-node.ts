// A throwaway node for root tests of the kernel modes, built from network namespaces named
// `tkt-<random>-…` (never the host's): a node with eth0 on an underlay shared with a client,
// pods behind a bridge cni0 (10.244.1.0/24), servers in the pods answering their name over TCP
// (8080, reading and dropping what is sent) and UDP (5353). destroy() kills the servers and deletes every namespace.
// With `create({ ipv6: true })` the same network also has IPv6 (dual-stack): addresses added
// `nodad` (usable at once), the node forwarding both families.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { NetnsExecer } from '../../src/util/execer.js';

export const NODE_IP = '172.20.0.11';
export const CLIENT_IP = '172.20.0.2';
export const POD_CIDR = '10.244.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/12';
export const NODE_IP6 = 'fd00:20::11';
export const CLIENT_IP6 = 'fd00:20::2';
export const POD_CIDR6 = 'fd00:10:244::/56';
export const SERVICE_CIDR6 = 'fd00:10:96::/112';
/** The IPv6 address of pod N (`pod(n)` with `ipv6`). */
export const podIP6 = (n: number): string => `fd00:10:244:1::${n}`;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Fails (does not skip) where the kernel tests cannot run. */
export function requireRootAndTools(tools: string[]): void {
  if (process.getuid?.() !== 0) throw new Error('kernel tests need root (they create network namespaces)');
  for (const t of tools) {
    const r = spawnSync(t, ['--version']);
    if (r.error) throw new Error(`${t} not found (${r.error.message})`);
  }
}

const SERVERS = `
const name = process.argv[1];
require('net').createServer((s) => s.resume().end(name)).listen(8080, () => {
  // udp6 on :: takes IPv4 datagrams too (as mapped addresses), so both families reach it.
  const u = require('dgram').createSocket('udp6');
  u.on('message', (_m, from) => u.send(name, from.port, from.address));
  u.bind(5353, () => console.log('ready'));
});`;

export class TestNode {
  readonly prefix = `tkt-${randomBytes(3).toString('hex')}`;
  readonly node = `${this.prefix}-node`;
  readonly client = `${this.prefix}-client`;
  readonly nodeExec = new NetnsExecer(this.node);
  readonly clientExec = new NetnsExecer(this.client);
  private readonly namespaces: string[] = [];
  private readonly servers: ChildProcess[] = [];
  private ipv6 = false;

  /** Node and client on the underlay; the client routes the service CIDR to the node. */
  create({ ipv6 = false } = {}): this {
    this.ipv6 = ipv6;
    for (const ns of [this.node, this.client]) this.addNs(ns);
    ip('-n', this.node, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.client);
    ip('-n', this.node, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0');
    ip('-n', this.client, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
    ip('-n', this.node, 'link', 'add', 'cni0', 'type', 'bridge');
    ip('-n', this.node, 'addr', 'add', '10.244.1.1/24', 'dev', 'cni0');
    for (const [ns, dev] of [[this.node, 'eth0'], [this.node, 'cni0'], [this.client, 'eth0']] as const) ip('-n', ns, 'link', 'set', dev, 'up');
    ip('-n', this.client, 'route', 'add', SERVICE_CIDR, 'via', NODE_IP);
    const r = spawnSync('ip', ['netns', 'exec', this.node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', ...(ipv6 ? ['net.ipv6.conf.all.forwarding=1'] : [])]);
    if (r.status !== 0) throw new Error(`ip_forward: ${r.stderr}`);
    if (ipv6) {
      ip('-n', this.node, 'addr', 'add', `${NODE_IP6}/64`, 'dev', 'eth0', 'nodad');
      ip('-n', this.client, 'addr', 'add', `${CLIENT_IP6}/64`, 'dev', 'eth0', 'nodad');
      ip('-n', this.node, 'addr', 'add', 'fd00:10:244:1::1/64', 'dev', 'cni0', 'nodad');
      ip('-n', this.client, 'route', 'add', SERVICE_CIDR6, 'via', NODE_IP6);
    }
    return this;
  }

  /** A pod namespace on cni0 with address 10.244.1.N, running the servers; resolves when they listen. */
  async pod(n: number, name: string): Promise<string> {
    const ns = `${this.prefix}-p${n}`;
    const podIP = `10.244.1.${n}`;
    this.addNs(ns);
    ip('-n', this.node, 'link', 'add', `veth${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.node, 'link', 'set', `veth${n}`, 'master', 'cni0', 'up');
    ip('-n', ns, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', '10.244.1.1');
    if (this.ipv6) {
      ip('-n', ns, 'addr', 'add', `${podIP6(n)}/64`, 'dev', 'eth0', 'nodad');
      ip('-n', ns, 'route', 'add', 'default', 'via', 'fd00:10:244:1::1');
    }
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVERS, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.servers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout!.once('data', () => resolve());
    });
    return podIP;
  }

  /** From the client namespace, sending `payload` bytes first: the TCP answer, or the error code. */
  async tcp(host: string, port: number, payload = 0): Promise<string> {
    const script = `const s = require('net').connect(${port}, '${host}'); s.end(Buffer.alloc(${payload}, 120)); let d = ''; s.on('data', (x) => (d += x)); s.on('end', () => console.log(d)); s.on('error', (e) => console.log(e.code)); s.setTimeout(3000, () => (console.log('TIMEOUT'), s.destroy()));`;
    return (await this.clientExec.run([process.execPath, '-e', script])).stdout.trim();
  }

  /** From the client namespace, from a fixed source port (one conntrack flow): the UDP answer or TIMEOUT. */
  async udp(host: string, port: number, sourcePort: number): Promise<string> {
    const script = `const u = require('dgram').createSocket('${host.includes(':') ? 'udp6' : 'udp4'}'); u.bind(${sourcePort}, () => u.send('q', ${port}, '${host}')); u.on('message', (m) => (console.log(String(m)), u.close())); setTimeout(() => (console.log('TIMEOUT'), u.close()), 1500).unref();`;
    return (await this.clientExec.run([process.execPath, '-e', script])).stdout.trim();
  }

  destroy(): void {
    for (const s of this.servers) s.kill();
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
  }

  private addNs(ns: string): void {
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
  }
}
