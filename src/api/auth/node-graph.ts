// The Node authorizer's index (upstream's graph, plugin/pkg/auth/authorizer/node/graph.go,
// reduced to what it answers): which nodes the pods bound to them connect to each Secret,
// ConfigMap, PersistentVolumeClaim and ServiceAccount. Listed once from the store, then kept
// current by its watch (re-listed when the watch ends), so a decision is a map lookup instead
// of a list of the node's pods.

import type { Store, WatchEvent, Watch } from '../../store/store.js';
import type { KubeObject } from '../../apis/types.js';
import { podReferences } from './node-authorizer.js';
import { parseShared } from '../rest/codec.js';

const PODS = '/registry/pods/';
const KINDS = ['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts'];

export class NodeGraph {
  /** `resource/namespace/name` → node → how many of its pods reference it. */
  private readonly edges = new Map<string, Map<string, number>>();
  /** Pod store key → its node and the edges it adds. */
  private readonly pods = new Map<string, { node: string; keys: string[] }>();
  private watch?: Watch;
  private stopped = false;

  constructor(private readonly store: Store) {}

  async start(): Promise<void> {
    const revision = await this.store.currentRevision();
    this.edges.clear();
    this.pods.clear();
    const { items } = await this.store.list(PODS, { revision });
    for (const kv of items) this.put(kv.key, JSON.parse(kv.value) as KubeObject);
    this.watch = this.store.watch(PODS, {
      afterRevision: revision,
      onEvents: (events) => events.forEach((e) => this.apply(e)),
      onError: () => this.restart(),
    });
  }

  stop(): void {
    this.stopped = true;
    this.watch?.cancel();
  }

  /** Whether a pod bound to `node` references the object. */
  related(node: string, resource: string, namespace: string, name: string): boolean {
    return this.edges.get(`${resource}/${namespace}/${name}`)?.has(node) ?? false;
  }

  private restart(): void {
    if (this.stopped) return;
    this.watch?.cancel();
    this.start().catch(() => setTimeout(() => this.restart(), 1000).unref());
  }

  private apply(e: WatchEvent): void {
    if (e.type === 'delete') this.remove(e.kv.key);
    else this.put(e.kv.key, parseShared(e.kv));
  }

  private put(key: string, pod: KubeObject): void {
    this.remove(key);
    const node = pod.spec?.nodeName as string | undefined;
    if (!node) return;
    const keys = KINDS.flatMap((kind) => [...new Set(podReferences(pod, kind))].map((n) => `${kind}/${pod.metadata.namespace}/${n}`));
    for (const k of keys) {
      const nodes = this.edges.get(k) ?? this.edges.set(k, new Map()).get(k)!;
      nodes.set(node, (nodes.get(node) ?? 0) + 1);
    }
    this.pods.set(key, { node, keys });
  }

  private remove(key: string): void {
    const had = this.pods.get(key);
    if (!had) return;
    for (const k of had.keys) {
      const nodes = this.edges.get(k)!;
      const n = (nodes.get(had.node) ?? 1) - 1;
      if (n > 0) nodes.set(had.node, n);
      else nodes.delete(had.node);
      if (!nodes.size) this.edges.delete(k);
    }
    this.pods.delete(key);
  }
}
