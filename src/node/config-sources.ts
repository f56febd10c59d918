// Where a node reads the ConfigMaps and Secrets its pods reference: the agent's informer caches
// (kubelet's watch-based managers: one watch per referenced object, referenced-objects.ts), or, for a one-off like exec, the ones a pod names, fetched.

import type { ConfigMap } from '../apis/core/configmaps.js';
import type { Pod } from '../apis/core/pods.js';
import type { Secret } from '../apis/core/secrets.js';
import { R, type Client } from '../client/client.js';
import type { ConfigSources } from './env.js';

/** A cache of objects by namespace and name (an informer, the referenced objects' watches). */
interface ObjectCache<T> {
  get(namespace: string, name: string): T | undefined;
}

export function cachedSources(configMaps: ObjectCache<ConfigMap>, secrets: ObjectCache<Secret>): ConfigSources {
  return { configMap: (ns, name) => configMaps.get(ns, name), secret: (ns, name) => secrets.get(ns, name) };
}

/** The names of the ConfigMaps and Secrets a pod references (env, envFrom, volumes). */
export function referencedNames(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const spec = pod.spec ?? {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  return { configMaps, secrets };
}

/** Fetches what the pod references; a missing one is simply absent. */
export async function fetchSources(client: Client, pod: Pod): Promise<ConfigSources> {
  const ns = pod.metadata.namespace!;
  const names = referencedNames(pod);
  const get = async <T extends ConfigMap | Secret>(r: typeof R.configMaps | typeof R.secrets, name: string): Promise<[string, T | undefined]> => [
    name,
    await client.get<T>(r, ns, name).catch((e: { code?: number }) => {
      if (e.code === 404) return undefined;
      throw e;
    }),
  ];
  const configMaps = new Map(await Promise.all([...names.configMaps].map((n) => get<ConfigMap>(R.configMaps, n))));
  const secrets = new Map(await Promise.all([...names.secrets].map((n) => get<Secret>(R.secrets, n))));
  return { configMap: (_, name) => configMaps.get(name), secret: (_, name) => secrets.get(name) };
}
