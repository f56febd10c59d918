// The iptables mode: every sync is one `iptables-restore --noflush` (other rules are left alone).
// A full sync — the first, any after a failure, when the node's addresses change and when the
// proxy asks (hourly) — declares (hence flushes) and rewrites all our chains, deletes stale ones
// found in the kernel and ensures the builtin chains' jumps. In between, a partial sync rewrites
// only the service ports whose objects changed (kube-proxy's since 1.27). Before the rules, one
// `ipset restore` brings the endpoint set (endpoint-set.ts) to the state's endpoints.

import type { Mode } from '../../proxier.js';
import type { ProxyState } from '../../state/types.js';
import type { Execer } from '../../../util/execer.js';
import { IPV4 } from '../../state/family.js';
import type { EndpointTraffic } from '../../traffic.js';
import { PortRenderings } from '../port-changes.js';
import { endpointTraffic, type CounterNames } from '../rule-counters.js';
import { sepChain } from './chain-names.js';
import { parseSepCounters, saveCounters } from './counters.js';
import { endpointSetName, parseSetCounters, renderSetSync, setElement, stateElements } from './endpoint-set.js';
import { JUMP_RULES, renderCleanup, renderFull, renderPartial, renderPort, type PortRules, type RenderOptions } from './render.js';
import { parseRuleset } from './ruleset.js';

const WAIT = ['-w', '5'];

/** Connections from the KUBE-SEP DNAT rules, bytes from the endpoint set's elements. */
export const IPTABLES_COUNTERS: CounterNames = { connections: sepChain, bytes: (svc, ep) => setElement(ep, svc.protocol) };
const CONNECTIONS_ONLY: CounterNames = { connections: sepChain };

const sameElements = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((e) => b.has(e));

export class IptablesMode implements Mode {
  readonly name = 'iptables';
  private fullSyncNeeded = true;
  private readonly ports: PortRenderings<PortRules>;
  /** What the kernel's chains were last made from: the KUBE-SEP chains to read. */
  private applied: ProxyState | undefined;
  /** iptables or ip6tables (and their -save / -restore). */
  private readonly tool: string;
  private readonly restore: string[];
  private readonly set: string;
  /** The set's elements as last synced; undefined: read the kernel's first. */
  private setElements: Set<string> | undefined;
  /** Why bytes are not counted (no ipset binary or kernel module), once found. */
  private noBytes: string | undefined;

  constructor(
    private readonly exec: Execer,
    private readonly opts: Omit<RenderOptions, 'existingChains' | 'countBytes'>,
    /** Told once when the endpoint set cannot be made: bytes are then not counted. */
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.ports = new PortRenderings((sp, nodePortIPs) => renderPort(sp, nodePortIPs, opts));
    this.set = endpointSetName(opts.family);
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

  /** Whether bytes are counted: false once the endpoint set could not be made. */
  get countsBytes(): boolean {
    return this.noBytes === undefined;
  }

  async apply(state: ProxyState): Promise<void> {
    const changes = this.fullSyncNeeded ? undefined : this.ports.changes(state);
    // Stays set unless this sync gets through: what the kernel holds is then unknown.
    this.fullSyncNeeded = true;
    if (changes) {
      if (changes.length) await this.syncSet(state);
      const text = renderPartial(changes);
      if (text) await this.check(this.restore, text);
    } else {
      this.setElements = undefined;
      await this.syncSet(state);
      const existingChains = await this.kernelNatChains();
      await this.check(this.restore, renderFull(this.ports.all(state), state.nodePortIPs, { ...this.opts, existingChains, countBytes: this.countsBytes }));
      await this.ensureJumps();
    }
    this.fullSyncNeeded = false;
    this.applied = state;
  }

  /** The KUBE-SEP DNAT rules' counters (`iptables-save -c -t nat`) and the endpoint set's (`ipset save`) (Mode.traffic). */
  async traffic(): Promise<EndpointTraffic[]> {
    const state = this.applied;
    if (!state) return [];
    const counts = parseSepCounters(await this.check(saveCounters(this.tool)));
    if (!this.countsBytes) return endpointTraffic(state, CONNECTIONS_ONLY, counts);
    for (const [element, count] of parseSetCounters(await this.check(['ipset', 'save', this.set]))) counts.set(element, count);
    return endpointTraffic(state, IPTABLES_COUNTERS, counts);
  }

  /**
   * Adds and deletes the set's elements to match the state's endpoints (the others keep their
   * counts); creates the set first if absent. A full sync reads the kernel's elements first. No
   * ipset binary or set type: bytes are not counted from then on, said once.
   */
  private async syncSet(state: ProxyState): Promise<void> {
    if (!this.countsBytes) return;
    let have = this.setElements;
    let existed = true;
    if (!have) {
      const saved = await this.exec.run(['ipset', 'save', this.set]);
      // Exit 1 is "does not exist" (made below); anything else (127: no binary) is no ipset.
      if (saved.code !== 0 && saved.code !== 1) return this.giveUpBytes(saved.stderr);
      existed = saved.code === 0;
      have = new Set(existed ? parseSetCounters(saved.stdout).keys() : []);
    }
    const want = stateElements(state, this.opts.family);
    const r = existed && sameElements(have, want) ? undefined : await this.exec.run(['ipset', 'restore', '-exist'], renderSetSync(this.set, this.opts.family ?? IPV4, have, want));
    if (r && r.code !== 0) {
      this.setElements = undefined;
      // Could not be made (no ip_set module, no hash:ip,port): no rule may name it.
      if (!existed) return this.giveUpBytes(r.stderr);
      throw new Error(`ipset restore failed (exit ${r.code}): ${r.stderr.trim()}`);
    }
    this.setElements = want;
  }

  private giveUpBytes(why: string): void {
    this.noBytes = why.trim() || 'ipset failed';
    this.setElements = undefined;
    this.warn(`iptables mode counts connections only, no bytes: the endpoint set ${this.set} cannot be made (${this.noBytes}); install ipset (and the ip_set kernel module) for byte counts`);
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
    // Nothing refers to the set now; absent (or no ipset) is fine.
    await this.exec.run(['ipset', 'destroy', this.set]);
    this.setElements = undefined;
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
