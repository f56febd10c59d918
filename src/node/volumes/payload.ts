// The files of a configMap, secret or projected volume (kubelet's volume plugins compute the
// same payload before handing it to the AtomicWriter): which keys, at which relative paths,
// with which modes. Pure: the ConfigMaps, Secrets and tokens come from the caller.

import type { KeyToPath, Volume, VolumeProjection } from '../../apis/core/pod-template.js';
import type { Pod } from '../../apis/core/pods.js';
import { fieldRefValue, type ConfigSources, type PodAddresses } from '../env.js';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

export type Payload = Map<string, FileProjection>;

/** Why a volume cannot be set up; kubelet's FailedMount event carries the message. */
export class VolumeSetupError extends Error {}

/** What a payload may need besides ConfigMaps and Secrets. */
export interface PayloadContext extends PodAddresses {
  sources: ConfigSources;
  /** A bound ServiceAccount token for the pod (projected serviceAccountToken). */
  token?(audience: string | undefined, expirationSeconds: number): string | undefined;
}

const DEFAULT_MODE = 0o644;

/** Keys of a ConfigMap or Secret as files, all or as `items` selects them. */
function keyFiles(
  kind: 'configmap' | 'secret',
  data: Record<string, Buffer> | undefined,
  items: KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
  out: Payload,
): void {
  if (!data) return;
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) out.set(k, { data: v, mode });
    return;
  }
  for (const item of items) {
    const v = data[item.key];
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(`${kind} references non-existent ${kind === 'configmap' ? 'config' : 'secret'} key: ${item.key}`);
    }
    out.set(item.path, { data: v, mode: item.mode ?? mode });
  }
}

function configMapData(ns: string, name: string, optional: boolean, ctx: PayloadContext): Record<string, Buffer> | undefined {
  const cm = ctx.sources.configMap(ns, name);
  if (!cm) {
    if (optional) return undefined;
    throw new VolumeSetupError(`configmap "${name}" not found`);
  }
  return {
    ...Object.fromEntries(Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')])),
    ...Object.fromEntries(Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  };
}

function secretData(ns: string, name: string, optional: boolean, ctx: PayloadContext): Record<string, Buffer> | undefined {
  const s = ctx.sources.secret(ns, name);
  if (!s) {
    if (optional) return undefined;
    throw new VolumeSetupError(`secret "${name}" not found`);
  }
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

function projection(pod: Pod, p: VolumeProjection, mode: number, ctx: PayloadContext, out: Payload): void {
  const ns = pod.metadata.namespace!;
  if (p.configMap?.name) keyFiles('configmap', configMapData(ns, p.configMap.name, p.configMap.optional === true, ctx), p.configMap.items, mode, p.configMap.optional === true, out);
  if (p.secret?.name) keyFiles('secret', secretData(ns, p.secret.name, p.secret.optional === true, ctx), p.secret.items, mode, p.secret.optional === true, out);
  for (const item of p.downwardAPI?.items ?? [])
    if (item.fieldRef?.fieldPath) out.set(item.path, { data: Buffer.from(fieldRefValue(pod, item.fieldRef.fieldPath, ctx)), mode: item.mode ?? mode });
  const t = p.serviceAccountToken;
  if (t) {
    const token = ctx.token?.(t.audience, t.expirationSeconds ?? 3600);
    if (token === undefined) throw new VolumeSetupError(`no token for service account "${pod.spec?.serviceAccountName ?? 'default'}"`);
    out.set(t.path, { data: Buffer.from(token), mode });
  }
}

/** The payload of a volume that has one; undefined for the other kinds. */
export function volumePayload(pod: Pod, v: Volume, ctx: PayloadContext): Payload | undefined {
  const ns = pod.metadata.namespace!;
  const out: Payload = new Map();
  if (v.configMap) {
    const c = v.configMap;
    keyFiles('configmap', configMapData(ns, c.name ?? '', c.optional === true, ctx), c.items, c.defaultMode ?? DEFAULT_MODE, c.optional === true, out);
  } else if (v.secret) {
    const s = v.secret;
    keyFiles('secret', secretData(ns, s.secretName ?? '', s.optional === true, ctx), s.items, s.defaultMode ?? DEFAULT_MODE, s.optional === true, out);
  } else if (v.projected) {
    for (const p of v.projected.sources ?? []) projection(pod, p, v.projected.defaultMode ?? DEFAULT_MODE, ctx, out);
  } else return undefined;
  return out;
}
