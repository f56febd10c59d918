// kube-proxy's MetaProxier: a dual-stack node runs one kernel proxier per IP family (iptables
// and ip6tables), each rendering its family's share of the one state (state/family.ts). Both are
// synced every time; a failure of one does not keep the other from applying, and fails the sync
// so the runner retries. (The nftables mode takes both families itself: its `ip` and `ip6`
// tables go in one transaction, see nftables-mode.ts.)

import type { Mode } from './proxier.js';
import type { ProxyState } from './state/types.js';
import type { EndpointTraffic } from './traffic.js';

export class MetaMode implements Mode {
  readonly name: string;

  constructor(private readonly modes: Mode[]) {
    this.name = modes[0]!.name;
  }

  async apply(state: ProxyState): Promise<void> {
    await this.each((m) => m.apply(state));
  }

  async stop(): Promise<void> {
    await this.each((m) => m.stop());
  }

  requestFullSync(): void {
    for (const m of this.modes) m.requestFullSync?.();
  }

  async traffic(): Promise<EndpointTraffic[]> {
    return (await Promise.all(this.modes.map((m) => m.traffic?.() ?? []))).flat();
  }

  /** Runs `fn` on every family's mode in turn; throws the first failure after all ran. */
  private async each(fn: (m: Mode) => Promise<void>): Promise<void> {
    const failures: unknown[] = [];
    for (const m of this.modes) await fn(m).catch((e: unknown) => failures.push(e));
    if (failures.length) throw failures[0];
  }
}
