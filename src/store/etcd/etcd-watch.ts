// One Store watch on an etcd3 Watcher (the client multiplexes all of them on one gRPC stream and
// re-attaches them after a disconnect).
//
// What this layer adds to the client:
// - resumption from the last revision handed to onEvents: the client would resume from the
//   newest header revision it saw, which a created response or a partial catch-up batch puts
//   ahead of the events actually delivered;
// - compaction as `compacted` with its revision: etcd cancels the watch with a compact_revision
//   the client drops, so the store's compactedRevision() tells a compaction from other cancels;
// - progress: etcd's own progress notifications (sent only to caught-up watchers, every
//   --experimental-watch-progress-notify-interval) move the delivered revision on; after
//   progressNotifyMs of quiet the watch reports that delivered revision.
import { Range, type Etcd3, type IEvent, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import type { KeyValue, Watch, WatchEvent, WatchOptions } from '../store.js';
import { StoreError } from '../store.js';
import type { EtcdKeys } from './etcd-keys.js';

export interface EtcdWatchDeps {
  client: Etcd3;
  keys: EtcdKeys;
  compactedRevision(): Promise<number>;
  log: { warn(obj: object, msg: string): void };
}

export class EtcdWatch implements Watch {
  /** Every event up to this revision has been handed to onEvents. */
  private delivered: number;
  private done = false;
  private droppedByEtcd = false;
  /** Settles once etcd has dropped the watcher, so the client can be closed after it. */
  detached: Promise<void> = Promise.resolve();
  private readonly watcher: Watcher;
  private progressTimer?: NodeJS.Timeout;

  constructor(
    private readonly deps: EtcdWatchDeps,
    prefix: string,
    private readonly opts: WatchOptions,
    /** Called once etcd has dropped the watcher. */
    private readonly onEnd: (w: EtcdWatch) => void,
  ) {
    this.delivered = opts.afterRevision;
    const r = deps.keys.prefix(prefix);
    this.watcher = deps.client
      .watch()
      .inRange(new Range(r.key, r.range_end))
      .withPreviousKV()
      .startRevision(String(opts.afterRevision + 1))
      .watcher();
    this.watcher.on('data', (res) => this.receive(res));
    this.watcher.on('disconnected', (err) => {
      if (this.done) return;
      this.watcher.request.start_revision = String(this.delivered + 1);
      deps.log.warn({ err: err.message, revision: this.delivered }, 'etcd watch disconnected; resuming');
    });
    this.watcher.on('error', (err) => {
      this.droppedByEtcd = true;
      void this.cancelled(err);
    });
    this.armProgress();
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.progressTimer);
    // A watcher etcd cancelled is gone from the client already: cancelling it again would wait
    // for an end that never comes. (The client may also throw rather than reject.)
    const detach = this.droppedByEtcd ? Promise.resolve() : Promise.resolve().then(() => this.watcher.cancel());
    this.detached = detach
      .catch(() => {}) // the stream may be gone: nothing to undo
      .then(() => this.onEnd(this));
  }

  /** Ends the watch with an error (compaction, store closed). */
  fail(err: StoreError): void {
    if (this.done) return;
    this.cancel();
    this.opts.onError(err);
  }

  private receive(res: IWatchResponse): void {
    if (this.done) return;
    if (res.events.length === 0) {
      // A progress notification: etcd sends it only when this watcher has been sent everything.
      this.delivered = Math.max(this.delivered, Number(res.header.revision));
      return;
    }
    const events = res.events.map((ev) => this.toEvent(ev));
    this.delivered = events[events.length - 1]!.kv.modRevision;
    this.opts.onEvents(events);
    this.armProgress();
  }

  private async cancelled(err: Error): Promise<void> {
    if (this.done) return;
    let compacted: number;
    try {
      compacted = await this.deps.compactedRevision();
    } catch (probeErr) {
      return this.fail(new StoreError('unavailable', `etcd watch cancelled (${err.message}); ${String(probeErr)}`));
    }
    // etcd cancels a watch whose next revision it no longer has.
    if (this.delivered < compacted) {
      this.fail(new StoreError('compacted', `revision ${this.delivered} has been compacted (oldest kept: ${compacted})`, undefined, compacted));
    } else {
      this.fail(new StoreError('unavailable', `etcd watch cancelled: ${err.message}`));
    }
  }

  private armProgress(): void {
    const { progressNotifyMs, onProgress } = this.opts;
    if (!progressNotifyMs || !onProgress) return;
    clearTimeout(this.progressTimer);
    this.progressTimer = setTimeout(() => {
      if (this.done) return;
      onProgress(this.delivered);
      this.armProgress();
    }, progressNotifyMs).unref();
  }

  private toEvent(ev: IEvent): WatchEvent {
    const prev = ev.prev_kv ? toKv(this.deps.keys, ev.prev_kv) : undefined;
    if (ev.type === 'Delete') {
      // etcd's delete event carries only the key and revision; the value is the previous one.
      const base = prev ?? { key: this.deps.keys.decode(ev.kv.key), value: '', createRevision: 0, modRevision: 0 };
      const kv = { ...base, modRevision: Number(ev.kv.mod_revision) };
      return prev ? { type: 'delete', kv, prev, created: false } : { type: 'delete', kv, created: false };
    }
    const kv = toKv(this.deps.keys, ev.kv);
    const created = kv.createRevision === kv.modRevision;
    return prev ? { type: 'put', kv, prev, created } : { type: 'put', kv, created };
  }
}

export function toKv(keys: EtcdKeys, kv: IKeyValue): KeyValue {
  return {
    key: keys.decode(kv.key),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}
