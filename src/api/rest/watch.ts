// Watch: store events → Kubernetes watch events for one resource, namespace and selector.
//
//   no resourceVersion / "0"  → ADDED for every current object, then changes after that list
//   resourceVersion=N         → changes after N (410 Expired when N is compacted)
//   sendInitialEvents=true    → the initial ADDED events end with a BOOKMARK annotated
//                                k8s.io/initial-events-end, as watch-list clients expect
//
// An object that stops matching the selector is sent as DELETED, one that starts matching as
// ADDED (as the apiserver's cacher does), so a client's cache stays equal to a fresh list.

import type { KubeObject } from '../../apis/types.js';
import { StoreError, type KeyValue, type WatchEvent } from '../../store/store.js';
import { errors, type Status, StatusError } from '../../util/status-errors.js';
import { type Resource, listPrefix } from '../registry.js';
import { decodeShared } from './codec.js';
import { makePredicate, type Predicate, type SelectorOptions } from './filter.js';
import { sharedFields, sharedView } from './shared-event.js';
import type { Rest } from './rest.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchSink {
  /** `source`: the store entry a change event was decoded from (none for the initial list and
   *  bookmarks), the key of what watchers of one write share (shared-event.ts). */
  event(type: Exclude<WatchEventType, 'ERROR'>, object: KubeObject, source?: KeyValue): void;
  /** The watch ended with an error (e.g. 410 Expired); the stream should close after it. */
  error(status: Status): void;
}

export interface WatchOptions extends SelectorOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  /** How often to send a BOOKMARK when bookmarks are allowed. */
  bookmarkIntervalMs?: number;
}

export interface WatchHandle {
  cancel(): void;
}

const DEFAULT_BOOKMARK_MS = 60_000;

export async function watch(
  rest: Rest,
  r: Resource,
  namespace: string | undefined,
  opts: WatchOptions,
  sink: WatchSink,
): Promise<WatchHandle> {
  const match = makePredicate(r, opts);
  const rv = opts.resourceVersion;
  const initial = opts.sendInitialEvents === true || rv === undefined || rv === '' || rv === '0';
  let after: number;
  if (initial) {
    const list = await rest.list(r, namespace, opts);
    for (const obj of list.items) sink.event('ADDED', obj);
    after = Number(list.resourceVersion);
    if (opts.sendInitialEvents && opts.allowWatchBookmarks) {
      sink.event('BOOKMARK', bookmark(r, after, { 'k8s.io/initial-events-end': 'true' }));
    }
  } else {
    after = Number(rv);
    if (!Number.isInteger(after) || after < 0) throw errors.badRequest(`invalid resource version "${rv}"`);
  }

  const bookmarks = opts.allowWatchBookmarks === true;
  try {
    const handle = rest.store.watch(listPrefix(r, namespace), {
      afterRevision: after,
      onEvents: (events) => {
        for (const e of events) deliver(r, e, match, sink);
      },
      onError: (err) => sink.error(toStatus(err, after)),
      progressNotifyMs: bookmarks ? opts.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_MS : undefined,
      onProgress: bookmarks ? (rev) => sink.event('BOOKMARK', bookmark(r, rev)) : undefined,
    });
    return { cancel: () => handle.cancel() };
  } catch (e) {
    // A watch from a compacted revision is answered as an ERROR event, as the apiserver does.
    if (!(e instanceof StoreError)) throw e;
    sink.error(toStatus(e, after));
    return { cancel: () => {} };
  }
}

/** Without a selector every object matches, and the previous value is not decoded. Selectors
 *  are matched against the write's shared view and fields; a watcher gets its own object only
 *  for an event it is sent. */
function deliver(r: Resource, e: WatchEvent, match: Predicate | undefined, sink: WatchSink): void {
  const matches = (kv: KeyValue): boolean => !match || match(sharedView(r, kv), () => sharedFields(r, kv));
  if (e.type === 'delete') {
    if (matches(e.kv)) sink.event('DELETED', decodeShared(r, e.kv), e.kv);
    return;
  }
  const now = matches(e.kv);
  const before = e.prev && !e.created ? matches(e.prev) : false;
  if (now && before) sink.event('MODIFIED', decodeShared(r, e.kv), e.kv);
  else if (now) sink.event('ADDED', decodeShared(r, e.kv), e.kv);
  // Leaving the selection: the new state, as the apiserver's cacher sends it.
  else if (before) sink.event('DELETED', decodeShared(r, e.kv), e.kv);
}

function bookmark(r: Resource, revision: number, annotations?: Record<string, string>): KubeObject {
  return {
    kind: r.type.kind,
    apiVersion: r.apiVersion,
    metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) },
  };
}

function toStatus(err: StoreError | StatusError, after: number): Status {
  if (err instanceof StatusError) return err.toStatus();
  if (err.code === 'compacted') {
    return errors.gone(`too old resource version: ${after} (${err.compactRevision ?? ''})`).toStatus();
  }
  if (err.code === 'too-slow') return errors.gone('the watcher fell behind; re-list and watch again').toStatus();
  return errors.internal(err.message).toStatus();
}
