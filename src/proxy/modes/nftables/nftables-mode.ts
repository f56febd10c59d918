// The nftables mode: each sync renders the state and applies it with one `nft -f -` (one
// atomic transaction). After a successful sync only what changed is sent (TableSync); a failure
// marks a full sync needed (delete and re-create the table), as kube-proxy does.

import type { Mode } from '../../proxier.js';
import type { ProxyState } from '../../state/types.js';
import type { BuildOptions } from './build.js';
import type { Execer } from '../../../util/execer.js';
import { tableName } from './render.js';
import { TableSync } from './table-sync.js';

const NFT_APPLY = ['nft', '-f', '-'];

export class NftablesMode implements Mode {
  readonly name = 'nftables';
  /** Whether the kernel holds what `table` last rendered; false → the next sync is full. */
  private synced = false;
  private readonly table: TableSync;

  constructor(private readonly exec: Execer, private readonly opts: BuildOptions) {
    this.table = new TableSync(opts);
  }

  get fullSyncNeeded(): boolean {
    return !this.synced;
  }

  requestFullSync(): void {
    this.synced = false;
  }

  /** Renders and applies `state` (Mode.apply); rejects with nft's message on failure. */
  async apply(state: ProxyState): Promise<void> {
    const text = this.synced ? this.table.change(state) : this.table.full(state);
    if (!text) return;
    this.synced = false;
    await this.nft(text);
    this.synced = true;
  }

  /** Removes the table. */
  async stop(): Promise<void> {
    const t = tableName(this.opts);
    this.synced = false;
    await this.nft(`add table ${t}\ndelete table ${t}\n`);
  }

  private async nft(text: string): Promise<void> {
    const r = await this.exec.run(NFT_APPLY, text);
    if (r.code !== 0) throw new Error(`nft -f failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}
