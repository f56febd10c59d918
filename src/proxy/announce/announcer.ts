// The effect of announcers(): the proxy puts the LoadBalancer addresses this node announces on
// its underlay interface as /32s (so the kernel answers ARP for them and the datapath's rules
// see local traffic), sends gratuitous ARP so neighbours forget the previous owner at once, and
// removes the addresses it no longer announces — all of them on stop. Addresses carry the label
// `IFACE:lb`, so a restarted proxy finds the ones it left behind. Changes run one at a time.
//
// IPv6 (dual-stack): the NDP counterpart. A /128 added with DAD and `preferred_lft 0`; with
// the interface's ndisc_notify on, the kernel sends an unsolicited neighbour advertisement
// (override) once DAD completes — it sends none for a `nodad` address, and Debian's ndisc6 has
// no ndsend (checked in namespaces). DAD also keeps an address another node still holds off this
// one. Deprecated (preferred 0) keeps the kernel from picking it as a source address, and marks
// it ours: IPv6 addresses carry no label, so a restart adopts deprecated /128s.

import { isIPv6 } from 'node:net';
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
  private ndiscNotifySet = false;
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
    const r = await this.opts.exec.run(['ip', '-j', 'addr', 'show', 'dev', this.opts.iface]);
    if (r.code !== 0) throw new Error(`ip addr show dev ${this.opts.iface} failed (exit ${r.code}): ${r.stderr.trim()}`);
    const links = JSON.parse(r.stdout || '[]') as { addr_info?: { family: string; local: string; prefixlen: number; label?: string; deprecated?: boolean }[] }[];
    for (const a of links.flatMap((l) => l.addr_info ?? [])) {
      const v4 = a.family === 'inet' && this.label !== undefined && a.label === this.label && a.prefixlen === 32;
      const v6 = a.family === 'inet6' && a.prefixlen === 128 && a.deprecated === true;
      if (v4 || v6) this.owned.add(a.local);
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
      for (const [ip, node] of announcers(this.lbIPs, this.readyNodes, this.preferred)) if (node === this.opts.nodeName) mine.add(ip);
    }
    const dev = ['dev', this.opts.iface];
    for (const ip of [...this.owned].filter((ip) => !mine.has(ip))) {
      const r = await this.opts.exec.run(['ip', 'addr', 'del', hostCIDR(ip), ...dev]);
      // Already gone (someone removed it) is what was wanted.
      if (r.code === 0 || /Cannot assign requested address/.test(r.stderr)) {
        this.owned.delete(ip);
        this.opts.log.info({ ip, iface: this.opts.iface }, 'stopped announcing LoadBalancer address');
      } else this.opts.log.warn({ ip, stderr: r.stderr.trim() }, 'failed to remove LoadBalancer address');
    }
    const added: string[] = [];
    for (const ip of [...mine].filter((ip) => !this.owned.has(ip)).sort()) {
      if (isIPv6(ip)) await this.ndiscNotify();
      const mark = isIPv6(ip) ? ['preferred_lft', '0'] : this.label ? ['label', this.label] : [];
      const r = await this.opts.exec.run(['ip', 'addr', 'add', hostCIDR(ip), ...dev, ...mark]);
      if (r.code !== 0 && !/File exists/.test(r.stderr)) {
        this.opts.log.warn({ ip, stderr: r.stderr.trim() }, 'failed to add LoadBalancer address');
        continue;
      }
      this.owned.add(ip);
      added.push(ip);
      this.opts.log.info({ ip, iface: this.opts.iface }, 'announcing LoadBalancer address');
    }
    // IPv6: the kernel advertises once DAD completes (ndiscNotify).
    for (const ip of added.filter((a) => !isIPv6(a))) {
      const p = this.gratuitousArp(ip).finally(() => this.arping.delete(p));
      this.arping.add(p);
    }
  }

  /** Has the kernel send an unsolicited neighbour advertisement for each address once DAD completes. */
  private async ndiscNotify(): Promise<void> {
    if (this.ndiscNotifySet) return;
    const r = await this.opts.exec.run(['tee', `/proc/sys/net/ipv6/conf/${this.opts.iface}/ndisc_notify`], '1\n');
    if (r.code === 0) this.ndiscNotifySet = true;
    else this.opts.log.warn({ iface: this.opts.iface, stderr: r.stderr.trim() }, 'could not turn on ndisc_notify: neighbours learn moved IPv6 LoadBalancer addresses only when their entries expire');
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

/** The address alone: /32 or /128. */
const hostCIDR = (ip: string): string => `${ip}/${isIPv6(ip) ? 128 : 32}`;
