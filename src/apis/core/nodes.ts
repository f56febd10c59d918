// Nodes (core/v1): cluster-scoped, registered and kept up to date by the node agent. The Table
// row follows printers.go printNode (STATUS from the Ready condition and spec.unschedulable,
// ROLES from node-role labels).

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { invalidEach } from '../validation/meta.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../util/name-format.js';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean; taints?: Taint[]; providerID?: string };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string; lastTransitionTime?: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
    [key: string]: unknown;
  };
}

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** `Ready`, `NotReady`, `Unknown`, with `,SchedulingDisabled` for cordoned nodes. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` keys and the legacy `kubernetes.io/role` value. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_LABEL_PREFIX) && k.length > ROLE_LABEL_PREFIX.length) roles.add(k.slice(ROLE_LABEL_PREFIX.length));
    else if (k === LEGACY_ROLE_LABEL && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

const address = (node: Node, type: string): string =>
  node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

function validateTaints(taints: Taint[] | undefined): FieldError[] {
  return (taints ?? []).flatMap((t, i) => {
    const at = `spec.taints[${i}]`;
    const errs = invalidEach(`${at}.key`, t.key ?? '', isQualifiedName(t.key ?? ''));
    if (t.value) errs.push(...invalidEach(`${at}.value`, t.value, isValidLabelValue(t.value)));
    if (!t.effect) errs.push(field.required(`${at}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(field.notSupported(`${at}.effect`, t.effect, TAINT_EFFECTS));
    return errs;
  });
}

export const nodes = defineResource<Node>({
  group: '',
  version: 'v1',
  kind: 'Node',
  resource: 'nodes',
  shortNames: ['no'],
  namespaced: false,
  subresources: ['status', 'proxy'],
  columns: [
    nameColumn(),
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn(),
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name,
      nodeStatus(node),
      nodeRoles(node),
      age(node, now),
      info.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
  selectableFields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
  defaults(node) {
    // Allocatable defaults to the whole capacity.
    if (node.status?.capacity && !node.status.allocatable) node.status.allocatable = { ...node.status.capacity };
  },
  validate: (node, old) => [
    ...validateMeta(node, old, { namespaced: false, validateName: isDNS1123Subdomain }),
    ...validateTaints(node.spec?.taints),
  ],
});
