// The objects the page draws, as one stream: the namespace's Services, EndpointSlices, Pods
// and Events and the cluster's Nodes and Namespaces, each watched through the API client from
// its current state (ADDED first), batched into `changes` events. One connection for all of
// it, because a browser opens at most six to one HTTP/1.1 origin. A watch that ends (410,
// ...) sends `reset` for its kind and starts over.

import { R, type Client, type ResourceId, type Watch } from '../../client/client.js';
import type { StreamKind, ObjectChange } from './wire.js';

const KINDS: Record<StreamKind, { r: ResourceId; namespaced: boolean }> = {
  namespaces: { r: R.namespaces, namespaced: false },
  nodes: { r: R.nodes, namespaced: false },
  services: { r: R.services, namespaced: true },
  slices: { r: R.endpointSlices, namespaced: true },
  pods: { r: R.pods, namespaced: true },
  events: { r: R.events, namespaced: true },
};

/** How long changes gather before they are sent together. */
const BATCH_MS = 50;
const RETRY_MS = 500;

export interface ObjectStream {
  stop(): void;
}

export function streamObjects(client: Client, namespace: string, send: (event: 'changes' | 'reset', data: unknown) => void): ObjectStream {
  let batch: ObjectChange[] = [];
  let flush: NodeJS.Timeout | undefined;
  let stopped = false;
  const watches = new Map<StreamKind, Watch>();
  const timers = new Set<NodeJS.Timeout>();
  const queue = (c: ObjectChange): void => {
    batch.push(c);
    flush ??= setTimeout(() => {
      flush = undefined;
      const out = batch;
      batch = [];
      if (!stopped) send('changes', out);
    }, BATCH_MS);
  };
  const start = (kind: StreamKind): void => {
    const { r, namespaced } = KINDS[kind];
    const retry = (): void => {
      if (stopped) return;
      const t = setTimeout(() => (timers.delete(t), start(kind)), RETRY_MS);
      timers.add(t);
    };
    client
      .watch(r, namespaced ? namespace : undefined, {}, {
        event: (type, object) => {
          if (type !== 'BOOKMARK') queue({ kind, type, object });
        },
        end: () => {
          watches.delete(kind);
          if (stopped) return;
          send('reset', { kind });
          retry();
        },
      })
      .then((w) => (stopped ? w.cancel() : watches.set(kind, w)), retry);
  };
  for (const kind of Object.keys(KINDS) as StreamKind[]) start(kind);
  return {
    stop() {
      stopped = true;
      clearTimeout(flush);
      for (const t of timers) clearTimeout(t);
      for (const w of watches.values()) w.cancel();
    },
  };
}
