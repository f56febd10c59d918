// Content negotiation: what the client accepts (Table, PartialObjectMetadata, plain JSON) and
// which parameters of a media type it named.

import { StatusError } from '../../util/status-errors.js';

export type ResponseShape = 'object' | 'table' | 'metadata';

interface MediaType {
  type: string;
  params: Record<string, string>;
}

function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** The first media type in the Accept header we can produce. */
export function negotiate(accept: string | undefined): ResponseShape {
  const types = parseMediaTypes(accept);
  if (!types.length) return 'object';
  for (const t of types) {
    const json = t.type === 'application/json' || t.type === '*/*' || t.type === 'application/*';
    if (!json) continue;
    const as = t.params.as;
    if (!as) return 'object';
    if (as === 'Table' && t.params.g === 'meta.k8s.io') return 'table';
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && t.params.g === 'meta.k8s.io') return 'metadata';
  }
  // Only protobuf (or something else) was offered.
  if (types.some((t) => t.type === 'application/vnd.kubernetes.protobuf')) return 'object';
  throw new StatusError(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

export function wantsAggregatedDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const t of parseMediaTypes(accept)) {
    if (t.type !== 'application/json' || t.params.as !== 'APIGroupDiscoveryList' || t.params.g !== 'apidiscovery.k8s.io') continue;
    if (t.params.v === 'v2' || t.params.v === 'v2beta1') return t.params.v;
  }
  return undefined;
}
