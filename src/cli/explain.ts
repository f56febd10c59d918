// `tinykube explain svc/NAME`: in plain words, what the datapath does with a new connection to
// each address of a Service — listener, verdict, endpoint set with conditions, scheduler,
// affinity and policy — read from the same ProxyState the proxy renders.

import { readSettings, weightOf } from '../proxy/modes/userspace/annotations.js';
import { DESCRIPTIONS, type SchedulerName } from '../proxy/modes/userspace/scheduler.js';
import { listenerKey } from '../proxy/modes/userspace/plan.js';
import type { AddressPlan, EndpointInfo, ProxyState, ServicePortState } from '../proxy/state/types.js';

export function explainService(state: ProxyState, namespace: string, name: string, defaultScheduler: SchedulerName = 'rr'): string {
  const ports = [...state.ports.values()].filter((p) => p.service.namespace === namespace && p.service.name === name);
  if (!state.synced) return `The proxy has not synced Services and EndpointSlices yet: it programs nothing until it has.\n`;
  if (!ports.length) {
    return `Service ${namespace}/${name} has no virtual address on node ${state.nodeName}: it does not exist, or it is headless or ExternalName (DNS only, the proxy does nothing for it).\n`;
  }
  const svc = ports[0].service;
  const lines = [
    `Service ${namespace}/${name} (type ${svc.type}), as the proxy on node ${state.nodeName} carries it (userspace mode).`,
    'The endpoint sees the proxy as the source address of every connection.',
  ];
  for (const p of ports) lines.push('', ...explainPort(p, defaultScheduler));
  return lines.join('\n') + '\n';
}

function explainPort(p: ServicePortState, defaultScheduler: SchedulerName): string[] {
  const s = p.service;
  const settings = readSettings(s, defaultScheduler);
  const out = [`Port ${s.portName ? `"${s.portName}" ` : ''}${s.port}/${s.protocol}:`];
  out.push(`  scheduler: ${settings.scheduler} — ${DESCRIPTIONS[settings.scheduler]}.`);
  out.push(
    s.affinityTimeoutSeconds !== undefined
      ? `  session affinity: ClientIP — a client address keeps its endpoint for ${s.affinityTimeoutSeconds}s after its last new connection, and moves when that endpoint goes away.`
      : '  session affinity: none — each new connection is scheduled afresh.',
  );
  out.push(`  traffic policy: internal ${s.internalPolicyLocal ? 'Local' : 'Cluster'}, external ${s.externalPolicyLocal ? 'Local' : 'Cluster'}.`);
  if (settings.proxyProtocol) out.push(`  PROXY protocol ${settings.proxyProtocol}: each connection to an endpoint starts with a header giving the client's address.`);
  for (const problem of settings.problems) out.push(`  warning: ${problem}`);
  out.push(`  endpoints (${p.endpoints.length}):`);
  if (!p.endpoints.length) out.push('    none');
  for (const e of p.endpoints) out.push(`    ${describeEndpoint(e, weightOf(e, settings.weights))}`);
  for (const a of p.addresses) out.push(`  ${describeAddress(s.protocol, a)}`);
  if (!p.addresses.length) out.push('  no addresses.');
  return out;
}

function describeEndpoint(e: EndpointInfo, weight: number): string {
  const conditions = [e.ready ? 'ready' : 'not ready', e.serving ? 'serving' : 'not serving', ...(e.terminating ? ['terminating'] : [])];
  const where = e.nodeName ? `on ${e.nodeName}${e.isLocal ? ' (this node)' : ''}` : 'no node';
  return `${e.ip}:${e.port}  ${conditions.join(', ')}  ${where}${e.targetName ? `  ${e.targetName}` : ''}${weight !== 1 ? `  weight ${weight}` : ''}`;
}

function describeAddress(protocol: string, a: AddressPlan): string {
  const where = `${a.ip}:${a.port} (${a.kind})`;
  const listener = listenerKey(protocol, a.ip, a.port);
  switch (a.verdict) {
    case 'forward': {
      const set = a.local ? "this node's endpoints (traffic policy Local)" : 'endpoints cluster-wide';
      const terminating = a.endpoints.every((e) => !e.ready) ? ', none ready so serving-and-terminating ones are used' : '';
      return `${where}: listener ${listener} forwards to one of ${a.endpoints.length} ${set}${terminating}; a failed connect tries the next one.`;
    }
    case 'reject':
      return `${where}: refused at once — ${a.reason}; nothing listens there, so the kernel refuses the connection.`;
    case 'drop':
      return `${where}: dropped — ${a.reason}; listener ${listener} ${protocol === 'UDP' ? 'discards every datagram' : 'closes every connection it accepts'}.`;
  }
}
