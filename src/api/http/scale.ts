// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets and statefulsets: what
// `kubectl scale` reads and patches.

import type { KubeObject } from '../../apis/types.js';
import { schemaFor } from '../../apis/schema/index.js';
import { formatLabelSelector } from '../../util/labels.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { errors } from '../../util/status-errors.js';
import type { Rest } from '../rest/rest.js';
import { patchTypeOf } from '../rest/patch.js';
import { readBody, decodeBody, mediaType } from './body.js';
import { sendJson } from './respond.js';
import type { SubresourceHandler } from './resource-handler.js';

const SCALE_SCHEMA = schemaFor('autoscaling/v1', 'Scale')!;

function toScale(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: formatLabelSelector(obj.spec?.selector) },
  };
}

export function scaleHandler(rest: Rest): SubresourceHandler {
  return async (req, res, info, r) => {
    const ns = info.namespace;
    const name = info.name!;
    if (info.verb === 'get') return sendJson(res, 200, toScale(await rest.get(r, ns, name)));
    if (info.verb !== 'update' && info.verb !== 'patch') throw errors.methodNotAllowed();

    const body = decodeBody(await readBody(req), mediaType(req));
    const patchType = info.verb === 'patch' ? patchTypeOf(req.headers['content-type']) : undefined;
    if (info.verb === 'patch' && (!patchType || patchType === 'apply')) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
    const updated = await rest.mutate(r, ns, name, (current) => {
      const scale = toScale(current);
      let wanted: KubeObject;
      if (patchType === 'json') wanted = applyJsonPatch(scale, body) as KubeObject;
      else if (patchType === 'merge') wanted = applyMergePatch(scale, body as Record<string, unknown>) as KubeObject;
      else if (patchType === 'strategic') wanted = applyStrategicMergePatch(scale, body as Record<string, unknown>, SCALE_SCHEMA) as KubeObject;
      else wanted = body as KubeObject;
      const rv = wanted?.metadata?.resourceVersion;
      if (info.verb === 'update' && rv && rv !== current.metadata.resourceVersion) throw errors.modified(r.type.resource, r.type.group, name);
      const replicas = wanted?.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid('Scale', 'autoscaling', name, [
          { type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0` },
        ]);
      }
      return { ...current, spec: { ...current.spec, replicas } };
    }, { fieldManager: new URL(req.url ?? '/', 'http://x').searchParams.get('fieldManager') ?? 'kubectl' });
    sendJson(res, 200, toScale(updated));
  };
}
