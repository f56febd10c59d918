// The per-Service annotations the userspace datapath reads. Bad values fall back to the
// defaults and come back as problems to report on the Service.

import type { EndpointInfo, ServicePortInfo } from '../../state/types.js';
import type { ProxyProtocolVersion } from './proxy-protocol.js';
import { isScheduler, SCHEDULERS, type SchedulerName } from './scheduler.js';

export const SCHEDULER_ANNOTATION = 'tinykube.io/scheduler';
/** `IP-or-pod-name=weight,...`; endpoints not listed weigh 1, weight 0 takes no new connections. */
export const WEIGHTS_ANNOTATION = 'tinykube.io/weights';
export const PROXY_PROTOCOL_ANNOTATION = 'tinykube.io/proxy-protocol';

export interface PortSettings {
  scheduler: SchedulerName;
  weights: Map<string, number>;
  proxyProtocol?: ProxyProtocolVersion;
  problems: string[];
}

export function readSettings(svc: ServicePortInfo, defaultScheduler: SchedulerName): PortSettings {
  const problems: string[] = [];
  const a = svc.annotations;
  let scheduler = defaultScheduler;
  const s = a[SCHEDULER_ANNOTATION];
  if (s !== undefined) {
    if (isScheduler(s)) scheduler = s;
    else problems.push(`${SCHEDULER_ANNOTATION}: unknown scheduler "${s}" (one of ${SCHEDULERS.join(', ')}); using ${defaultScheduler}`);
  }
  const weights = new Map<string, number>();
  for (const item of (a[WEIGHTS_ANNOTATION] ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const [k, v] = item.split('=');
    const w = Number(v);
    if (!k || !/^\d+$/.test(v ?? '') || w > 65535) problems.push(`${WEIGHTS_ANNOTATION}: "${item}" is not NAME=WEIGHT (0..65535)`);
    else weights.set(k, w);
  }
  let proxyProtocol: ProxyProtocolVersion | undefined;
  const pp = a[PROXY_PROTOCOL_ANNOTATION];
  if (pp === 'v1' || pp === 'v2') {
    if (svc.protocol === 'TCP') proxyProtocol = pp;
    else problems.push(`${PROXY_PROTOCOL_ANNOTATION}: only TCP ports carry a PROXY header; ${svc.protocol} port ${svc.port} sends none`);
  } else if (pp !== undefined) problems.push(`${PROXY_PROTOCOL_ANNOTATION}: "${pp}" is not v1 or v2`);
  return { scheduler, weights, proxyProtocol, problems };
}

/** An endpoint's weight: by its IP, else by the name of the pod behind it, else 1. */
export const weightOf = (e: EndpointInfo, weights: Map<string, number>): number =>
  weights.get(e.ip) ?? (e.targetName !== undefined ? weights.get(e.targetName) : undefined) ?? 1;
