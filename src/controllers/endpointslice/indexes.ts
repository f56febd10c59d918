// Lookups the endpoint controllers make on every event: the pods of a namespace, and the
// Services whose selector matches a pod (parsed once per Service, not once per event).

import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { Informer } from '../../client/informer.js';
import { matchesLabels, selectorFromSet, type LabelSelector } from '../../util/labels.js';
import { hasSelector } from './pod-endpoint.js';

export class PodsByNamespace {
  private readonly pods = new Map<string, Map<string, Pod>>();

  constructor(informer: Informer<Pod>) {
    informer.on({ add: (p) => this.put(p), update: (_, p) => this.put(p), delete: (p) => this.remove(p) });
  }

  /** The pods of a namespace that a selector matches. */
  matching(namespace: string, selector: LabelSelector): Pod[] {
    return [...(this.pods.get(namespace)?.values() ?? [])].filter((p) => matchesLabels(selector, p.metadata.labels));
  }

  private put(p: Pod): void {
    const ns = p.metadata.namespace!;
    let pods = this.pods.get(ns);
    if (!pods) this.pods.set(ns, (pods = new Map()));
    pods.set(p.metadata.name!, p);
  }

  private remove(p: Pod): void {
    const pods = this.pods.get(p.metadata.namespace!);
    pods?.delete(p.metadata.name!);
    if (pods && !pods.size) this.pods.delete(p.metadata.namespace!);
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
