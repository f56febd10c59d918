// Which Services to look at again after a Service or pod event: the Service itself, and the
// Services whose selector matched the pod before or after the change.

import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { Informer } from '../../client/informer.js';
import type { ServiceSelectors } from './indexes.js';
import { podEndpointChanged } from './pod-endpoint.js';

export interface TriggerSources {
  services: Informer<Service>;
  pods: Informer<Pod>;
  selectors: ServiceSelectors;
}

export function onServiceOrPodChange(src: TriggerSources, enqueue: (key: string) => void): void {
  const service = (s: Service): void => enqueue(`${s.metadata.namespace}/${s.metadata.name}`);
  src.services.on({ add: service, update: (_, s) => service(s), delete: service });
  const pod = (old: Pod | undefined, p: Pod): void => {
    if (old && !podEndpointChanged(old, p)) return;
    const keys = new Set(src.selectors.servicesOf(p));
    if (old) for (const k of src.selectors.servicesOf(old)) keys.add(k);
    for (const k of keys) enqueue(k);
  };
  src.pods.on({ add: (p) => pod(undefined, p), update: pod, delete: (p) => pod(undefined, p) });
}
