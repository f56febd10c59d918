// The effect of announcers(): the proxy puts the LoadBalancer addresses this node announces on
// its underlay interface as /32s (so the kernel answers ARP for them and the datapath's rules
// see local traffic), sends gratuitous ARP so neighbours forget the previous owner at once, and
// removes the addresses it no longer announces — all of them on stop. Addresses carry the label
// `IFACE:lb`, so a restarted proxy finds the ones it left behind. Changes run one at a time.

import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import type { Execer } from '../../util/execer.js';
import { announcers } from './choose.js';

/** Linux labels are interface names: at most 15 characters. */
const MAX_LABEL = 15;

export interface AnnouncerOptions {
  exec: Execer;
  /** The underlay interface, e.g. eth0. */
  iface: string;
  nodeName: string;
  log: Logger;
}

export class L2Announcer {
  private lbIPs: string[] = [];
  private preferred = new Map<string, string[]>();
  private readyNodes: string[] = [];
  private readonly owned = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private arpingMissingLogged = false;
  private stopped = false;
  /** Gratuitous ARP takes a second per probe: it runs beside the syncs, awaited only by stop(). */
  private readonly arping = new Set<Promise<void>>();

  constructor(private readonly opts: AnnouncerOptions) {}

  private get label(): string | undefined {
    const l = `${this.opts.iface}:lb`;
    return l.length <= MAX_LABEL ? l : undefined;
  }

  /** Adopts the labelled /32s a previous run left on the interface (removed if not wanted). */
  async start(): Promise<void> {
    const r = await this.opts.exec.run(['ip', '-j', '-4', 'addr', 'show', 'dev', this.opts.iface]);
    if (r.code !== 0) throw new Error(`ip addr show dev ${this.opts.iface} failed (exit ${r.code}): ${r.stderr.trim()}`);
    const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local: string; prefixlen: number; label?: string }[] }[];
    for (const a of links.flatMap((l) => l.addr_info ?? [])) {
      if (this.label && a.label === this.label && a.prefixlen === 32) this.owned.add(a.local);
    }
  }

  /** New inputs; resolves once the interface matches them. */
  update(change: { lbIPs?: string[]; preferred?: Map<string, string[]>; readyNodes?: string[] }): Promise<void> {
    this.lbIPs = change.lbIPs ?? this.lbIPs;
    this.preferred = change.preferred ?? this.preferred;
    this.readyNodes = change.readyNodes ?? this.readyNodes;
    return this.enqueue(() => this.reconcile());
  }

  /** The addresses this node announces now. */
  announced(): string[] {
    return [...this.owned].sort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.enqueue(() => this.reconcile());
    await Promise.all(this.arping);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(fn, fn);
    return this.queue;
  }

  private async reconcile(): Promise<void> {
    const mine = new Set<string>();
    if (!this.stopped) {
      // IPv6 would need unsolicited neighbour advertisements; the underlay is IPv4.
      for (const [ip, node] of announcers(this.lbIPs.filter((ip) => isIPv4(ip)), this.readyNodes, this.preferred)) if (node === this.opts.nodeName) mine.add(ip);
    }
    const dev = ['dev', this.opts.iface];
    for (const ip of [...this.owned].filter((ip) => !mine.has(ip))) {
      const r = await this.opts.exec.run(['ip', 'addr', 'del', `${ip}/32`, ...dev]);
      // Already gone (someone removed it) is what was wanted.
      if (r.code === 0 || /Cannot assign requested address/.test(r.stderr)) {
        this.owned.delete(ip);
        this.opts.log.info({ ip, iface: this.opts.iface }, 'stopped announcing LoadBalancer address');
      } else this.opts.log.warn({ ip, stderr: r.stderr.trim() }, 'failed to remove LoadBalancer address');
    }
    const added: string[] = [];
    for (const ip of [...mine].filter((ip) => !this.owned.has(ip)).sort()) {
      const r = await this.opts.exec.run(['ip', 'addr', 'add', `${ip}/32`, ...dev, ...(this.label ? ['label', this.label] : [])]);
      if (r.code !== 0 && !/File exists/.test(r.stderr)) {
        this.opts.log.warn({ ip, stderr: r.stderr.trim() }, 'failed to add LoadBalancer address');
        continue;
      }
      this.owned.add(ip);
      added.push(ip);
      this.opts.log.info({ ip, iface: this.opts.iface }, 'announcing LoadBalancer address');
    }
    for (const ip of added) {
      const p = this.gratuitousArp(ip).finally(() => this.arping.delete(p));
      this.arping.add(p);
    }
  }

  private async gratuitousArp(ip: string): Promise<void> {
    const r = await this.opts.exec.run(['arping', '-U', '-c', '2', '-I', this.opts.iface, ip]);
    if (r.code === 127) {
      if (!this.arpingMissingLogged) this.opts.log.warn({ err: r.stderr.trim() }, 'arping not found: neighbours learn moved LoadBalancer addresses only when their ARP entries expire (apt-get install iputils-arping)');
      this.arpingMissingLogged = true;
    } else if (r.code !== 0) {
      this.opts.log.warn({ ip, stderr: r.stderr.trim() }, 'gratuitous ARP failed');
    }
  }
}
