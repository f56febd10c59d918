// The iptables mode: every sync is one `iptables-restore --noflush` (other rules are left alone).
// A full sync — the first, any after a failure, when the node's addresses change and when the
// proxy asks (hourly) — declares (hence flushes) and rewrites all our chains, deletes stale ones
// found in the kernel and ensures the builtin chains' jumps. In between, a partial sync rewrites
// only the service ports whose objects changed (kube-proxy's since 1.27).

import type { Mode } from '../../proxier.js';
import type { ProxyState } from '../../state/types.js';
import type { Execer } from '../../../util/execer.js';
import type { EndpointTraffic } from '../../traffic.js';
import { PortRenderings } from '../port-changes.js';
import { endpointTraffic, type CounterNames } from '../rule-counters.js';
import { sepChain } from './chain-names.js';
import { parseSepCounters, saveCounters } from './counters.js';
import { JUMP_RULES, renderCleanup, renderFull, renderPartial, renderPort, type PortRules, type RenderOptions } from './render.js';
import { parseRuleset } from './ruleset.js';

const WAIT = ['-w', '5'];

/** Connections only: a per-packet byte count costs a walk of one rule per endpoint (no maps in
 *  iptables; measured in bench/rule-counters.ts, see docs/dashboard.md). */
export const IPTABLES_COUNTERS: CounterNames = { connections: sepChain };

export class IptablesMode implements Mode {
  readonly name = 'iptables';
  private fullSyncNeeded = true;
  private readonly ports: PortRenderings<PortRules>;
  /** What the kernel's chains were last made from: the KUBE-SEP chains to read. */
  private applied: ProxyState | undefined;
  /** iptables or ip6tables (and their -save / -restore). */
  private readonly tool: string;
  private readonly restore: string[];

  constructor(
    private readonly exec: Execer,
    private readonly opts: Omit<RenderOptions, 'existingChains'>,
  ) {
    this.ports = new PortRenderings((sp, nodePortIPs) => renderPort(sp, nodePortIPs, opts));
    this.tool = opts.family?.name === 'IPv6' ? 'ip6tables' : 'iptables';
    this.restore = [`${this.tool}-restore`, ...WAIT, '--noflush'];
  }

  /** Whether the next sync reads the kernel again and re-ensures the jumps. */
  get needsFullSync(): boolean {
    return this.fullSyncNeeded;
  }

  requestFullSync(): void {
    this.fullSyncNeeded = true;
  }

  async apply(state: ProxyState): Promise<void> {
    const changes = this.fullSyncNeeded ? undefined : this.ports.changes(state);
    // Stays set unless this sync gets through: what the kernel holds is then unknown.
    this.fullSyncNeeded = true;
    if (changes) {
      const text = renderPartial(changes);
      if (text) await this.check(this.restore, text);
    } else {
      const existingChains = await this.kernelNatChains();
      await this.check(this.restore, renderFull(this.ports.all(state), state.nodePortIPs, { ...this.opts, existingChains }));
      await this.ensureJumps();
    }
    this.fullSyncNeeded = false;
    this.applied = state;
  }

  /** The KUBE-SEP DNAT rules' counters, one `iptables-save -c -t nat` (Mode.traffic). */
  async traffic(): Promise<EndpointTraffic[]> {
    const state = this.applied;
    return state ? endpointTraffic(state, IPTABLES_COUNTERS, parseSepCounters(await this.check(saveCounters(this.tool)))) : [];
  }

  /** Removes the jumps, then every chain of ours. */
  async stop(): Promise<void> {
    for (const j of JUMP_RULES) {
      // Absent already is fine: -C first keeps the log free of expected failures.
      if ((await this.exec.run([this.tool, ...WAIT, '-t', j.table, '-C', j.chain, ...j.args])).code === 0) {
        await this.check([this.tool, ...WAIT, '-t', j.table, '-D', j.chain, ...j.args]);
      }
    }
    await this.check(this.restore, renderCleanup(await this.kernelNatChains()));
    this.fullSyncNeeded = true;
    this.applied = undefined;
  }

  private async kernelNatChains(): Promise<Set<string>> {
    const saved = await this.check([`${this.tool}-save`, '-t', 'nat']);
    return new Set(parseRuleset(saved).get('nat')?.keys());
  }

  /** Inserted in reverse so that, from scratch, each builtin chain starts in JUMP_RULES order. */
  private async ensureJumps(): Promise<void> {
    for (const j of [...JUMP_RULES].reverse()) {
      const base = [this.tool, ...WAIT, '-t', j.table];
      if ((await this.exec.run([...base, '-C', j.chain, ...j.args])).code !== 0) await this.check([...base, '-I', j.chain, '1', ...j.args]);
    }
  }

  private async check(argv: string[], stdin?: string): Promise<string> {
    const r = await this.exec.run(argv, stdin);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}
