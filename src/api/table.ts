// Server-side printing: kubectl asks for `as=Table` and prints the cells we compute, so the
// columns and cell formats here are what users see (shared/KUBECTL-API.md §4).

import type { KubeObject } from '../apis/types.js';
import type { Resource } from './registry.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function toTable(
  r: Resource,
  objects: KubeObject[],
  listMeta: TableListMeta,
  include: IncludeObject,
  now: Date,
  withColumns = true,
): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? r.type.columns : [],
    rows: objects.map((obj) => ({ cells: r.type.row(obj, now), object: rowObject(obj, include) })),
  };
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}
