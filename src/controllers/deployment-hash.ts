// The pod-template-hash: a stable name for one pod template, so the ReplicaSet of a template
// is found again after a restart and a template reverted to an older one finds that older
// ReplicaSet. FNV-1a (32 bit) over the template's canonical JSON (keys sorted, nulls dropped)
// and the collision count, spelled with the vowel-free alphabet Kubernetes uses for names.

import type { PodTemplateSpec } from '../apis/core/pod-template.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    // A null field is an absent one, as when Go decodes it (kubectl sends `creationTimestamp: null`).
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A short, deterministic, DNS-safe hash of a template (like "7c5ddbdf54"). */
export function templateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const text = canonical(template ?? {}) + (collisionCount ? `#${collisionCount}` : '');
  return [...String(fnv1a32(text))].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** The template without the pod-template-hash label (which only the ReplicaSet's copy has). */
function withoutHash(t: PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(t ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH];
    if (!Object.keys(copy.metadata.labels).length) delete copy.metadata.labels;
  }
  return copy;
}

/** EqualIgnoreHash: the same template, whichever pod-template-hash either carries. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonical(withoutHash(a)) === canonical(withoutHash(b));
}
