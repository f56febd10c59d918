// pods/binding: how a scheduler assigns a pod to a node (sets spec.nodeName once).

import type { KubeObject } from '../../apis/types.js';
import { errors } from '../../util/status-errors.js';
import type { Rest } from '../rest/rest.js';
import { rfc3339 } from '../../util/time.js';
import { readBody, decodeBody, mediaType } from './body.js';
import { sendJson } from './respond.js';
import type { SubresourceHandler } from './resource-handler.js';

export function bindingHandler(rest: Rest): SubresourceHandler {
  return async (req, res, info, r) => {
    if (info.verb !== 'create') throw errors.methodNotAllowed();
    const binding = decodeBody(await readBody(req), mediaType(req)) as { target?: { kind?: string; name?: string } } | undefined;
    await bindPod(rest, r, info.namespace, info.name!, binding?.target?.name ?? '');
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  };
}

export async function bindPod(rest: Rest, r: Parameters<Rest['get']>[0], namespace: string | undefined, name: string, node: string): Promise<KubeObject> {
  if (!node) throw errors.invalid('Binding', '', name, [{ type: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  await rest.mutate(r, namespace, name, (pod) => {
    if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec = { ...pod.spec, nodeName: node };
    return pod;
  }, { subresource: 'binding' });
  // The PodScheduled condition is status: written through the status subresource.
  return rest.mutate(r, namespace, name, (pod) => {
    const conditions = (pod.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(new Date()) });
    pod.status = { ...pod.status, conditions };
    return pod;
  }, { subresource: 'status' });
}
