// The nftables mode: each sync renders the state and applies it with one `nft -f -` (one
// atomic transaction). After a successful sync only what changed is sent (TableSync); a failure
// marks a full sync needed (delete and re-create the table), as kube-proxy does.
// Dual-stack: the `ip` and the `ip6` table (one BuildOptions each) in that same transaction —
// one nft process and one cache dump instead of two (each dump reads both tables); kube-proxy
// runs a proxier per family, and so does the iptables mode here (meta-mode.ts).

import type { Mode } from '../../proxier.js';
import type { ProxyState } from '../../state/types.js';
import type { BuildOptions } from './build.js';
import type { Execer } from '../../../util/execer.js';
import type { EndpointTraffic } from '../../traffic.js';
import { endpointTraffic, type CounterNames, type RuleCounts } from '../rule-counters.js';
import { listCountersArgv, parseNftCounters } from './counters.js';
import { endpointBytesCounter, endpointCounter } from './names.js';
import { tableName } from './render.js';
import { TableSync } from './table-sync.js';

const NFT_APPLY = ['nft', '-f', '-'];

export const NFT_COUNTERS: CounterNames = { connections: endpointCounter, bytes: (svc, ep) => endpointBytesCounter(ep, svc.protocol) };

export class NftablesMode implements Mode {
  readonly name = 'nftables';
  /** Whether the kernel holds what `tables` last rendered; false → the next sync is full. */
  private synced = false;
  private readonly tables: TableSync[];
  private readonly opts: BuildOptions[];
  /** What the kernel's tables were last made from: their counters' names. */
  private applied: ProxyState | undefined;

  /** One table, or one per family (dual-stack). */
  constructor(private readonly exec: Execer, opts: BuildOptions | BuildOptions[]) {
    this.opts = Array.isArray(opts) ? opts : [opts];
    this.tables = this.opts.map((o) => new TableSync(o));
  }

  get fullSyncNeeded(): boolean {
    return !this.synced;
  }

  requestFullSync(): void {
    this.synced = false;
  }

  /** Renders and applies `state` (Mode.apply); rejects with nft's message on failure. */
  async apply(state: ProxyState): Promise<void> {
    const text = this.tables.map((t) => (this.synced ? t.change(state) : t.full(state))).join('');
    if (!text) return;
    this.synced = false;
    await this.nft(text);
    this.synced = true;
    this.applied = state;
  }

  /** The endpoints' connection and byte counters, one `nft -j list counters` per table (Mode.traffic). */
  async traffic(): Promise<EndpointTraffic[]> {
    const state = this.applied;
    if (!state) return [];
    const counts: RuleCounts = new Map();
    for (const o of this.opts) {
      const r = await this.exec.run(listCountersArgv(tableName(o)));
      if (r.code !== 0) throw new Error(`nft list counters failed (exit ${r.code}): ${r.stderr.trim()}`);
      for (const [name, count] of parseNftCounters(r.stdout)) counts.set(name, count);
    }
    return endpointTraffic(state, NFT_COUNTERS, counts);
  }

  /** Removes the table(s). */
  async stop(): Promise<void> {
    this.synced = false;
    this.applied = undefined;
    await this.nft(this.opts.map((o) => `add table ${tableName(o)}\ndelete table ${tableName(o)}\n`).join(''));
  }

  private async nft(text: string): Promise<void> {
    const r = await this.exec.run(NFT_APPLY, text);
    if (r.code !== 0) throw new Error(`nft -f failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}
