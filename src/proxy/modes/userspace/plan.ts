// The userspace rendering of the desired state, pure: which listeners should exist and which
// endpoint set (balancer) each one feeds. Rejected addresses get no listener, so the kernel
// refuses the connection at once; dropped ones get a listener that closes what it accepts.

import type { ProxyState, ServicePortInfo } from '../../state/types.js';
import { readSettings, weightOf } from './annotations.js';
import type { Backend } from './balancer.js';
import type { ProxyProtocolVersion } from './proxy-protocol.js';
import type { SchedulerName } from './scheduler.js';

export interface ListenerSpec {
  /** `TCP/127.96.0.10:53` */
  key: string;
  protocol: 'TCP' | 'UDP';
  ip: string;
  port: number;
  service: ServicePortInfo;
  verdict: 'forward' | 'drop';
  balancer: string;
}

export interface BalancerSpec {
  key: string;
  service: ServicePortInfo;
  backends: Backend[];
  scheduler: SchedulerName;
  affinityTimeoutMs?: number;
  proxyProtocol?: ProxyProtocolVersion;
}

export interface Problem {
  service: ServicePortInfo;
  reason: string;
  message: string;
}

export interface UserspacePlan {
  listeners: Map<string, ListenerSpec>;
  balancers: Map<string, BalancerSpec>;
  problems: Problem[];
}

export const listenerKey = (protocol: string, ip: string, port: number): string => `${protocol}/${ip}:${port}`;

export function planUserspace(state: ProxyState, defaultScheduler: SchedulerName): UserspacePlan {
  const listeners = new Map<string, ListenerSpec>();
  const balancers = new Map<string, BalancerSpec>();
  const problems: Problem[] = [];
  for (const { service, addresses } of state.ports.values()) {
    if (service.protocol === 'SCTP') {
      problems.push({ service, reason: 'UnsupportedProtocol', message: `port ${service.port}/SCTP: the userspace proxy carries TCP and UDP only` });
      continue;
    }
    const settings = readSettings(service, defaultScheduler);
    problems.push(...settings.problems.map((message) => ({ service, reason: 'InvalidAnnotation', message })));
    for (const a of addresses) {
      if (a.verdict === 'reject') continue;
      const key = listenerKey(service.protocol, a.ip, a.port);
      const taken = listeners.get(key);
      if (taken) {
        problems.push({ service, reason: 'PortConflict', message: `${key} is already served for ${taken.service.namespace}/${taken.service.name}` });
        continue;
      }
      const balancer = `${service.key}|${a.local ? 'local' : 'cluster'}`;
      listeners.set(key, { key, protocol: service.protocol, ip: a.ip, port: a.port, service, verdict: a.verdict, balancer });
      if (!balancers.has(balancer)) {
        balancers.set(balancer, {
          key: balancer,
          service,
          backends: a.endpoints.map((e) => ({ key: `${e.ip}:${e.port}`, ip: e.ip, port: e.port, weight: weightOf(e, settings.weights) })),
          scheduler: settings.scheduler,
          affinityTimeoutMs: service.affinityTimeoutSeconds !== undefined ? service.affinityTimeoutSeconds * 1000 : undefined,
          proxyProtocol: settings.proxyProtocol,
        });
      }
    }
  }
  return { listeners, balancers, problems };
}
