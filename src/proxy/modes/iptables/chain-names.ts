// Per-service chain names as kube-proxy derives them: a prefix and the first 16 base32 characters
// of sha256(servicePortName + protocol [+ endpoint]). Deterministic across restarts, so a full
// sync recognises its own chains, and short enough for iptables' 28-character limit.

import { hash } from 'node:crypto';
import { joinHostPort } from '../../../util/ip.js';
import type { EndpointInfo, ServicePortInfo } from '../../state/types.js';

export const SVC_PREFIX = 'KUBE-SVC-';
export const SVL_PREFIX = 'KUBE-SVL-';
export const EXT_PREFIX = 'KUBE-EXT-';
export const SEP_PREFIX = 'KUBE-SEP-';
/** Never rendered (no loadBalancerSourceRanges in the state), but a leftover one is ours to delete. */
export const FW_PREFIX = 'KUBE-FW-';

const SERVICE_CHAIN_PREFIXES = [SVC_PREFIX, SVL_PREFIX, EXT_PREFIX, SEP_PREFIX, FW_PREFIX];

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (kube-proxy's base32.StdEncoding), only as many characters as asked. */
function base32Prefix(bytes: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === chars) break;
  }
  return out;
}

const hash16 = (text: string): string => base32Prefix(hash('sha256', text, 'buffer'), 16);

/** kube-proxy's ServicePortName string: `namespace/name`, then `:port` when the port is named. */
export function servicePortName(svc: ServicePortInfo): string {
  return `${svc.namespace}/${svc.name}${svc.portName ? `:${svc.portName}` : ''}`;
}

const portProto = (svc: ServicePortInfo): string => servicePortName(svc) + svc.protocol.toLowerCase();

export interface ServiceChains {
  /** KUBE-SVC: endpoints for the Cluster policy. */
  cluster: string;
  /** KUBE-SVL: this node's endpoints, for a Local policy. */
  local: string;
  /** KUBE-EXT: external traffic, before its policy. */
  external: string;
}

/** One hash serves a service port's three chains. */
export function serviceChains(svc: ServicePortInfo): ServiceChains {
  const h = hash16(portProto(svc));
  return { cluster: SVC_PREFIX + h, local: SVL_PREFIX + h, external: EXT_PREFIX + h };
}
export const sepChain = (svc: ServicePortInfo, ep: EndpointInfo): string => SEP_PREFIX + hash16(portProto(svc) + endpointString(ep));

/** `ip:port`, `[ip]:port` for IPv6: in comments, `--to-destination` and SEP chains' hashes. */
export const endpointString = (ep: EndpointInfo): string => joinHostPort(ep.ip, ep.port);

/** Whether a chain is one of the per-service chains a sync owns (and may delete when stale). */
export const isServiceChain = (chain: string): boolean => SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
