// ControllerRevisions of StatefulSets and DaemonSets (pkg/controller/history): each distinct pod
// template is stored once as the strategic merge patch that restores it, named after the owner
// and the template's hash, numbered in the order the templates were last used. `kubectl
// rollout history` lists them; `rollout undo` applies one's patch to the owner.

import type { PodTemplateSpec } from '../apis/core/pod-template.js';
import type { ControllerRevision } from '../apis/apps/controllerrevisions.js';
import type { KubeObject } from '../apis/types.js';
import { R, type Client } from '../client/client.js';
import { controllerOf, isConflict, isNotFound, newControllerRef } from './controller-ref.js';
import { templateHash } from './deployment-hash.js';

export const HASH_LABEL = 'controller.kubernetes.io/hash';

/** The patch a revision holds: the template, replacing whatever the owner has. */
export function revisionData(template: PodTemplateSpec | undefined): unknown {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

const templateOf = (cr: ControllerRevision): PodTemplateSpec | undefined =>
  (cr.data as { spec?: { template?: PodTemplateSpec } } | undefined)?.spec?.template;

function sameTemplate(cr: ControllerRevision, template: PodTemplateSpec | undefined): boolean {
  const { $patch: _p, ...stored } = (templateOf(cr) ?? {}) as PodTemplateSpec & { $patch?: string };
  return templateHash(stored) === templateHash(template ?? {});
}

/** The revisions an owner controls, oldest first. */
export function ownedRevisions(owner: KubeObject, all: ControllerRevision[]): ControllerRevision[] {
  return all.filter((cr) => controllerOf(cr)?.uid === owner.metadata.uid).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

/**
 * The revision of the owner's current template: an existing one (renumbered to come last if an
 * older template came back, as `rollout undo` does) or a new one.
 */
export async function ensureRevision(client: Client, owner: KubeObject, template: PodTemplateSpec | undefined, revisions: ControllerRevision[]): Promise<ControllerRevision> {
  const next = (revisions.at(-1)?.revision ?? 0) + 1;
  const found = revisions.find((cr) => sameTemplate(cr, template));
  if (found) {
    if (found === revisions.at(-1)) return found;
    return client.update<ControllerRevision>(R.controllerRevisions, found.metadata.namespace, { ...found, revision: next });
  }
  const hash = templateHash(template, owner.status?.collisionCount);
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${owner.metadata.name}-${hash}`,
      namespace: owner.metadata.namespace,
      labels: { ...(template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(owner)],
    },
    data: revisionData(template),
    revision: next,
  };
  try {
    return await client.create<ControllerRevision>(R.controllerRevisions, owner.metadata.namespace, cr);
  } catch (e) {
    // Ours from a sync whose cache had not seen it yet: the same name holds the same template.
    if (!isConflict(e)) throw e;
    return client.get<ControllerRevision>(R.controllerRevisions, owner.metadata.namespace, cr.metadata.name!);
  }
}

/** Deletes the oldest revisions no pod uses beyond revisionHistoryLimit. */
export async function truncateHistory(client: Client, revisions: ControllerRevision[], live: Set<string>, limit: number): Promise<void> {
  const unused = revisions.filter((cr) => !live.has(cr.metadata.name!));
  for (const cr of unused.slice(0, Math.max(0, unused.length - limit))) {
    try {
      await client.delete(R.controllerRevisions, cr.metadata.namespace, cr.metadata.name!);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
