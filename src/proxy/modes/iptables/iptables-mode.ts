// The iptables mode: every sync renders the whole state and applies it with one
// `iptables-restore --noflush` (our chains are declared, hence flushed and rewritten; other
// rules are left alone). A full sync — the first, and any after a failure — also reads the
// kernel's chains (to delete stale ones of ours) and ensures the builtin chains' jumps; in
// between, the chains of the last applied ruleset are what is there.

import type { Mode } from '../../proxier.js';
import type { ProxyState } from '../../state/types.js';
import type { Execer } from '../execer.js';
import { JUMP_RULES, renderCleanup, renderIptables, type RenderOptions } from './render.js';
import { parseRuleset } from './ruleset.js';

const WAIT = ['-w', '5'];
const RESTORE = ['iptables-restore', ...WAIT, '--noflush'];

export class IptablesMode implements Mode {
  readonly name = 'iptables';
  private fullSyncNeeded = true;
  /** nat chains as the last successful restore left them. */
  private natChains = new Set<string>();

  constructor(
    private readonly exec: Execer,
    private readonly opts: Omit<RenderOptions, 'existingChains'>,
  ) {}

  /** Whether the next sync reads the kernel again and re-ensures the jumps. */
  get needsFullSync(): boolean {
    return this.fullSyncNeeded;
  }

  requestFullSync(): void {
    this.fullSyncNeeded = true;
  }

  async apply(state: ProxyState): Promise<void> {
    const full = this.fullSyncNeeded;
    // Stays set unless this sync gets through: what the kernel holds is then unknown.
    this.fullSyncNeeded = true;
    const existing = full ? await this.kernelNatChains() : this.natChains;
    const text = renderIptables(state, { ...this.opts, existingChains: existing });
    await this.check(RESTORE, text);
    if (full) await this.ensureJumps();
    this.natChains = new Set(parseRuleset(text).get('nat')?.keys());
    this.fullSyncNeeded = false;
  }

  /** Removes the jumps, then every chain of ours. */
  async stop(): Promise<void> {
    for (const j of JUMP_RULES) {
      // Absent already is fine: -C first keeps the log free of expected failures.
      if ((await this.exec.run(['iptables', ...WAIT, '-t', j.table, '-C', j.chain, ...j.args])).code === 0) {
        await this.check(['iptables', ...WAIT, '-t', j.table, '-D', j.chain, ...j.args]);
      }
    }
    await this.check(RESTORE, renderCleanup(await this.kernelNatChains()));
    this.fullSyncNeeded = true;
  }

  private async kernelNatChains(): Promise<Set<string>> {
    const saved = await this.check(['iptables-save', '-t', 'nat']);
    return new Set(parseRuleset(saved).get('nat')?.keys());
  }

  /** Inserted in reverse so that, from scratch, each builtin chain starts in JUMP_RULES order. */
  private async ensureJumps(): Promise<void> {
    for (const j of [...JUMP_RULES].reverse()) {
      const base = ['iptables', ...WAIT, '-t', j.table];
      if ((await this.exec.run([...base, '-C', j.chain, ...j.args])).code !== 0) await this.check([...base, '-I', j.chain, '1', ...j.args]);
    }
  }

  private async check(argv: string[], stdin?: string): Promise<string> {
    const r = await this.exec.run(argv, stdin);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}
