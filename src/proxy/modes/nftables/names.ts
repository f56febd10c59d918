// Names in the tinykube nftables table. Per-service names carry a hash of the service port's key
// (so they stay unique and stable) and then the readable `namespace/name/protocol/port`, as
// kube-proxy's nftables mode names them.

import { createHash } from 'node:crypto';
import type { EndpointInfo, ServicePortInfo } from '../../state/types.js';

export const DEFAULT_TABLE = 'tinykube';

// Base chains, hooked into netfilter.
export const NAT_PREROUTING = 'nat-prerouting';
export const NAT_OUTPUT = 'nat-output';
export const NAT_POSTROUTING = 'nat-postrouting';
export const FILTER_INPUT = 'filter-input';
export const FILTER_FORWARD = 'filter-forward';
export const FILTER_OUTPUT = 'filter-output';

// Regular chains shared by every service.
export const SERVICES_CHAIN = 'services';
export const ENDPOINTS_CHECK_CHAIN = 'service-endpoints-check';
export const MARK_MASQ_CHAIN = 'mark-for-masquerade';
export const MASQUERADING_CHAIN = 'masquerading';
export const REJECT_CHAIN = 'reject-chain';

// Maps and sets.
export const SERVICE_IPS_MAP = 'service-ips';
export const SERVICE_NODEPORTS_MAP = 'service-nodeports';
export const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';
export const NODEPORT_IPS_SET = 'nodeport-ips';
/** `endpoint ip . proto . port : "counter"`: where the filter hooks count a DNATed connection's
 *  bytes, both ways. */
export const ENDPOINT_BYTES_MAP = 'endpoint-bytes';
/** `ip . ip` for every endpoint: source and destination equal after DNAT means hairpin. */
export const HAIRPIN_SET = 'hairpin-endpoints';

/** The packet mark bit asking nat-postrouting to masquerade (kube-proxy's 0x4000). */
export const MASQ_MARK = '0x4000';

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 8).toUpperCase();

/** `HASH-namespace/name/protocol/port`, the common part of a service port's names. */
export function serviceBase(svc: ServicePortInfo): string {
  return `${hash(svc.key)}-${svc.namespace}/${svc.name}/${svc.protocol.toLowerCase()}/${svc.portName || svc.port}`;
}

/** Chain choosing among the Cluster-policy endpoints. */
export const clusterChain = (svc: ServicePortInfo): string => `service-${serviceBase(svc)}`;
/** Chain choosing among this node's endpoints (a Local policy). */
export const localChain = (svc: ServicePortInfo): string => `local-${serviceBase(svc)}`;
/** Chain for NodePort, externalIP and LoadBalancer traffic: masquerade or keep the source. */
export const externalChain = (svc: ServicePortInfo): string => `external-${serviceBase(svc)}`;

function endpointBase(svc: ServicePortInfo, ep: EndpointInfo): string {
  const addr = `${ep.ip}/${ep.port}`;
  // nft names may not hold a colon: an IPv6 address is written with dots (as kube-proxy does).
  return `${hash(`${svc.key}:${addr}`)}-${svc.namespace}/${svc.name}/${svc.protocol.toLowerCase()}/${svc.portName || svc.port}__${addr.replaceAll(':', '.')}`;
}

/** Chain DNATing to one endpoint (services with ClientIP affinity). */
export const endpointChain = (svc: ServicePortInfo, ep: EndpointInfo): string => `endpoint-${endpointBase(svc, ep)}`;
/** Named counter of the connections DNATed to one endpoint; counters are apart from chains, so
 *  it may share its name with the endpoint's chain. Named, it outlives the flush of the chains
 *  whose rules count in it, and one `nft list counters` reads them all. */
export const endpointCounter = (svc: ServicePortInfo, ep: EndpointInfo): string => `endpoint-${endpointBase(svc, ep)}`;
/** Dynamic set of clients recently sent to one endpoint (ClientIP affinity). */
export const affinitySet = (svc: ServicePortInfo, ep: EndpointInfo): string => `affinity-${endpointBase(svc, ep)}`;
/** Named counter of the bytes of the connections DNATed to an endpoint (both ways, IP packet
 *  lengths): one per endpoint address, whatever the service ports that send there, since the
 *  filter hooks see the endpoint, not the service (@endpoint-bytes). */
export const endpointBytesCounter = (ep: EndpointInfo, protocol: string): string => `bytes-${ep.ip.replaceAll(':', '.')}/${protocol.toLowerCase()}/${ep.port}`;
