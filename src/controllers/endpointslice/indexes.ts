// Lookups the endpoint controllers make on every event: the pods of a namespace, and the
// Services whose selector matches a pod (parsed once per Service, not once per event).

import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { Informer } from '../../client/informer.js';
import { matchesLabels, selectorFromSet, type LabelSelector } from '../../util/labels.js';
import { hasSelector } from './pod-endpoint.js';

export class PodsByNamespace {
  private readonly pods = new Map<string, Map<string, Pod>>();
  /** `namespace|key=value` → pods with that label: a Service's selector is a set of
   *  equalities, so its pods are found among the fewest pods carrying one of its labels. */
  private readonly byLabel = new Map<string, Set<Pod>>();

  constructor(informer: Informer<Pod>) {
    informer.on({ add: (p) => this.put(p), update: (_, p) => this.put(p), delete: (p) => this.remove(p) });
  }

  /** The pods of a namespace that a selector matches. */
  matching(namespace: string, selector: LabelSelector): Pod[] {
    let candidates: Iterable<Pod> = this.pods.get(namespace)?.values() ?? [];
    if (selector.requirements.length && selector.requirements.every((r) => r.operator === '=')) {
      const sets = selector.requirements.map((r) => this.byLabel.get(`${namespace}|${r.key}=${r.values[0]}`));
      if (sets.some((set) => !set)) return [];
      candidates = sets.reduce((a, b) => (b!.size < a!.size ? b : a))!;
    }
    return [...candidates].filter((p) => matchesLabels(selector, p.metadata.labels));
  }

  private put(p: Pod): void {
    const ns = p.metadata.namespace!;
    let pods = this.pods.get(ns);
    if (!pods) this.pods.set(ns, (pods = new Map()));
    const previous = pods.get(p.metadata.name!);
    if (previous) this.unindex(previous);
    pods.set(p.metadata.name!, p);
    for (const [k, v] of Object.entries(p.metadata.labels ?? {})) {
      const key = `${ns}|${k}=${v}`;
      let set = this.byLabel.get(key);
      if (!set) this.byLabel.set(key, (set = new Set()));
      set.add(p);
    }
  }

  private remove(p: Pod): void {
    const pods = this.pods.get(p.metadata.namespace!);
    const current = pods?.get(p.metadata.name!);
    if (current) this.unindex(current);
    pods?.delete(p.metadata.name!);
    if (pods && !pods.size) this.pods.delete(p.metadata.namespace!);
  }

  private unindex(p: Pod): void {
    for (const [k, v] of Object.entries(p.metadata.labels ?? {})) {
      const key = `${p.metadata.namespace}|${k}=${v}`;
      const set = this.byLabel.get(key);
      set?.delete(p);
      if (set && !set.size) this.byLabel.delete(key);
    }
  }
}

export class ServiceSelectors {
  private readonly selectors = new Map<string, Map<string, LabelSelector>>();

  constructor(informer: Informer<Service>) {
    informer.on({ add: (s) => this.put(s), update: (_, s) => this.put(s), delete: (s) => this.remove(s) });
  }

  selectorOf(svc: Service): LabelSelector {
    return this.selectors.get(svc.metadata.namespace!)?.get(svc.metadata.name!) ?? selectorFromSet(svc.spec.selector);
  }

  /** `namespace/name` of every Service in the pod's namespace whose selector matches it. */
  servicesOf(pod: Pod): string[] {
    const ns = pod.metadata.namespace!;
    const keys: string[] = [];
    for (const [name, sel] of this.selectors.get(ns) ?? []) if (matchesLabels(sel, pod.metadata.labels)) keys.push(`${ns}/${name}`);
    return keys;
  }

  private put(s: Service): void {
    if (!hasSelector(s)) return this.remove(s);
    const ns = s.metadata.namespace!;
    let byName = this.selectors.get(ns);
    if (!byName) this.selectors.set(ns, (byName = new Map()));
    byName.set(s.metadata.name!, selectorFromSet(s.spec.selector));
  }

  private remove(s: Service): void {
    this.selectors.get(s.metadata.namespace!)?.delete(s.metadata.name!);
  }
}
