// GET /ui/api/explain?namespace=NS&service=NAME&from=pod/P|node/N|outside: what
// `tinykube explain` says for that Service, as the proxy of the node the client's packets
// reach carries it — in words, and the kernel mode's rules where the node runs one — with the
// DNS names that resolve to the Service from a pod of its namespace.

import type { Service } from '../../apis/core/service/types.js';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Node } from '../../apis/core/nodes.js';
import type { Pod } from '../../apis/core/pods.js';
import { errors } from '../../util/status-errors.js';
import { stateFromObjects } from '../../proxy/state/build-state.js';
import { explainRules, explainService, isRuleMode } from '../../proxy/explain.js';
import type { ExplainView } from './wire.js';

export interface ExplainQuery {
  namespace: string;
  service: string;
  /** `pod/NAME` (same namespace), `node/NAME` or `outside`. */
  from: string;
}

export interface ExplainObjects {
  services: Service[];
  slices: EndpointSlice[];
  nodes: Node[];
  pods: Pod[];
}

export function parseExplainQuery(q: URLSearchParams): ExplainQuery {
  const namespace = q.get('namespace') ?? 'default';
  const service = q.get('service');
  const from = q.get('from') ?? 'outside';
  if (!service) throw errors.badRequest('service: Required value');
  if (from !== 'outside' && !/^(pod|node)\/[^/]+$/.test(from)) throw errors.badRequest(`from: Unsupported value: "${from}": supported values: "pod/NAME", "node/NAME", "outside"`);
  return { namespace, service, from };
}

const ready = (n: Node): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The node whose proxy handles the client's packets, and how to say it. */
function clientNode(q: ExplainQuery, o: ExplainObjects): { node?: Node; client: string } {
  const [kind, name] = q.from.split('/');
  if (kind === 'pod') {
    const pod = o.pods.find((p) => p.metadata.name === name);
    if (!pod) throw errors.notFound('pods', '', name);
    const node = o.nodes.find((n) => n.metadata.name === pod.spec?.nodeName);
    return { node, client: `pod ${name} on node ${pod.spec?.nodeName ?? '(none yet)'}: every address of the Service, through its node's proxy` };
  }
  if (kind === 'node') {
    const node = o.nodes.find((n) => n.metadata.name === name);
    if (!node) throw errors.notFound('nodes', '', name);
    return { node, client: `node ${name}: every address of the Service, through its own proxy` };
  }
  const node = o.nodes.find(ready) ?? o.nodes[0];
  return { node, client: `outside client: the NodePorts (here on node ${node?.metadata.name ?? '(none)'}), LoadBalancer and external IPs; a ClusterIP is not reachable from outside` };
}

export function dnsNames(svc: Service, clusterDomain: string): string[] {
  const { name, namespace } = svc.metadata;
  const fqdn = `${name}.${namespace}.svc.${clusterDomain}`;
  const target = svc.spec?.type === 'ExternalName' ? `CNAME ${svc.spec.externalName}` : svc.spec?.clusterIP === 'None' ? 'A: each ready endpoint (headless)' : `A ${svc.spec?.clusterIP}`;
  const srv = (svc.spec?.ports ?? []).filter((p) => p.name).map((p) => `_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${fqdn} → SRV ${p.port} ${fqdn}`);
  return [`${fqdn} → ${target}`, `${name}, ${name}.${namespace}, ${name}.${namespace}.svc (from pods of ${namespace}, by the search path)`, ...srv];
}

export function explainView(q: ExplainQuery, o: ExplainObjects, opts: { modeOf: (node: string) => string; clusterDomain: string; clusterCIDR: string }): ExplainView {
  const svc = o.services.find((s) => s.metadata.name === q.service);
  if (!svc) throw errors.notFound('services', '', q.service);
  const { node, client } = clientNode(q, o);
  const nodeName = node?.metadata.name ?? '';
  const nodeIP = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const state = stateFromObjects(o.services, o.slices, { nodeName, nodePortIPs: nodeIP ? [nodeIP] : [] });
  const mode = nodeName ? opts.modeOf(nodeName) : 'userspace';
  return {
    node: nodeName,
    mode,
    client,
    words: explainService(state, q.namespace, q.service),
    rules: isRuleMode(mode) ? explainRules(state, q.namespace, q.service, mode, { clusterCIDR: opts.clusterCIDR }) : undefined,
    dns: dnsNames(svc, opts.clusterDomain),
  };
}
