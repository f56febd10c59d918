// The nftables mode: each sync renders the state and applies it with one `nft -f -` (one
// atomic transaction). After a successful sync only the difference is sent; a failure marks a
// full sync needed (delete and re-create the table), as kube-proxy does.

import type { Mode } from '../../proxier.js';
import type { ProxyState } from '../../state/types.js';
import { buildRuleset, type BuildCache, type BuildOptions } from './build.js';
import type { Execer } from '../execer.js';
import { DEFAULT_TABLE } from './names.js';
import { renderChange, renderFull } from './render.js';
import type { Ruleset } from './ruleset.js';

const NFT_APPLY = ['nft', '-f', '-'];

export class NftablesMode implements Mode {
  readonly name = 'nftables';
  /** What the kernel holds after the last successful sync; none → the next sync is full. */
  private applied: Ruleset | undefined;
  private readonly cache: BuildCache = new WeakMap();

  constructor(private readonly exec: Execer, private readonly opts: BuildOptions) {}

  get fullSyncNeeded(): boolean {
    return !this.applied;
  }

  requestFullSync(): void {
    this.applied = undefined;
  }

  /** Renders and applies `state` (Mode.apply); rejects with nft's message on failure. */
  async apply(state: ProxyState): Promise<void> {
    const next = buildRuleset(state, this.opts, this.cache);
    const text = this.applied ? renderChange(this.applied, next) : renderFull(next);
    if (!text) return;
    this.applied = undefined;
    await this.nft(text);
    this.applied = next;
  }

  /** Removes the table. */
  async stop(): Promise<void> {
    const t = `ip ${this.opts.table ?? DEFAULT_TABLE}`;
    this.applied = undefined;
    await this.nft(`add table ${t}\ndelete table ${t}\n`);
  }

  private async nft(text: string): Promise<void> {
    const r = await this.exec.run(NFT_APPLY, text);
    if (r.code !== 0) throw new Error(`nft -f failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}
