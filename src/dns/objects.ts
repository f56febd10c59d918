// The slim records the DNS cache keeps instead of whole API objects (CoreDNS plugin/kubernetes
// object/, as an idea): only what an answer needs, since every field costs memory at 10,000
// services. The informers hold these, so the full objects are dropped as soon as they arrive.

import type { KubeObject, ObjectMeta } from '../apis/types.js';
import { isHeadless, type Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { canonicalIP } from './parse.js';

type SlimMeta = Pick<ObjectMeta, 'name' | 'namespace' | 'resourceVersion'>;

export interface DnsPort {
  name: string;
  protocol: string;
  port: number;
}

export interface DnsService extends KubeObject {
  metadata: SlimMeta;
  /** ClusterIP covers NodePort and LoadBalancer too: all answer with their cluster IPs. */
  mode: 'ClusterIP' | 'Headless' | 'ExternalName';
  clusterIPs: string[];
  externalName: string;
  ports: DnsPort[];
  publishNotReadyAddresses: boolean;
}

export interface DnsEndpoint {
  addresses: string[];
  /** The endpoint's hostname field; empty when it has none. */
  hostname: string;
  ready: boolean;
}

export interface DnsSlice extends KubeObject {
  metadata: SlimMeta;
  /** The Service this slice belongs to (label kubernetes.io/service-name). */
  service: string;
  endpoints: DnsEndpoint[];
  /** No ports: the endpoints serve every port (a headless Service without ports). */
  ports: DnsPort[];
}

export interface DnsNamespace extends KubeObject {
  metadata: SlimMeta;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The protocols lower-cased once: one string each, not one per port of every Service. */
const PROTOCOLS = new Map(['TCP', 'UDP', 'SCTP'].map((p) => [p, p.toLowerCase()]));

const dnsPort = (name: string | undefined, protocol = 'TCP', port: number): DnsPort => ({
  name: (name ?? '').toLowerCase(),
  protocol: PROTOCOLS.get(protocol) ?? protocol.toLowerCase(),
  port,
});

const slimMeta = (o: KubeObject): SlimMeta => ({
  name: o.metadata.name,
  namespace: o.metadata.namespace,
  resourceVersion: o.metadata.resourceVersion,
});

export function toDnsService(obj: KubeObject): DnsService {
  const s = obj as Service;
  const spec = s.spec ?? {};
  const mode = spec.type === 'ExternalName' ? 'ExternalName' : isHeadless(spec) ? 'Headless' : 'ClusterIP';
  return {
    metadata: slimMeta(s),
    mode,
    clusterIPs: mode === 'ClusterIP' ? (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).map(canonicalIP) : [],
    externalName: mode === 'ExternalName' ? (spec.externalName ?? '').toLowerCase().replace(/\.$/, '') : '',
    ports: (spec.ports ?? []).map((p) => dnsPort(p.name, p.protocol, p.port)),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  };
}

export function toDnsSlice(obj: KubeObject): DnsSlice {
  const s = obj as EndpointSlice;
  const ipAddresses = s.addressType === 'IPv4' || s.addressType === 'IPv6';
  return {
    metadata: slimMeta(s),
    service: s.metadata.labels?.[SERVICE_NAME_LABEL] ?? '',
    endpoints: ipAddresses
      ? (s.endpoints ?? []).map((e) => ({
          addresses: (e.addresses ?? []).map(canonicalIP),
          hostname: (e.hostname ?? '').toLowerCase(),
          // Kubernetes: a nil ready condition means ready.
          ready: e.conditions?.ready !== false,
        }))
      : [],
    ports: (s.ports ?? [])
      .filter((p) => p.port !== undefined && p.port !== null)
      .map((p) => dnsPort(p.name, p.protocol, p.port!)),
  };
}

export const toDnsNamespace = (obj: KubeObject): DnsNamespace => ({ metadata: slimMeta(obj) });
