import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../apis/core/pods.js';
import type { Informer, InformerHandlers } from '../../client/informer.js';
import { parseLabelSelector } from '../../util/labels.js';
import { PodsByNamespace } from './indexes.js';

/** Just enough of an Informer to drive the index's handlers. */
function fakeInformer(): { informer: Informer<Pod>; handlers: InformerHandlers<Pod>[] } {
  const handlers: InformerHandlers<Pod>[] = [];
  const informer = { on: (h: InformerHandlers<Pod>) => (handlers.push(h), informer) } as unknown as Informer<Pod>;
  return { informer, handlers };
}

const pod = (name: string, labels: Record<string, string>, namespace = 'a'): Pod => ({ metadata: { name, namespace, labels } });

describe('PodsByNamespace', () => {
  const { informer, handlers } = fakeInformer();
  const index = new PodsByNamespace(informer);
  const [h] = handlers;
  h.add!(pod('web-1', { app: 'web', tier: 'front' }));
  h.add!(pod('web-2', { app: 'web', tier: 'back' }));
  h.add!(pod('db-1', { app: 'db' }));
  h.add!(pod('web-other-ns', { app: 'web' }, 'b'));
  h.update!(pod('web-2', { app: 'web', tier: 'back' }), pod('web-2', { app: 'web2', tier: 'back' }));
  h.delete!(pod('db-1', { app: 'db' }));

  const cases: { name: string; selector: string; want: string[] }[] = [
    { name: 'equality, one label', selector: 'app=web', want: ['web-1'] },
    { name: 'relabelled pod found under its new label', selector: 'app=web2', want: ['web-2'] },
    { name: 'equalities ANDed', selector: 'app=web,tier=front', want: ['web-1'] },
    { name: 'a label no pod has', selector: 'app=none', want: [] },
    { name: 'a deleted pod is gone', selector: 'app=db', want: [] },
    { name: 'set-based selectors scan the namespace', selector: 'tier in (front,back)', want: ['web-1', 'web-2'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(index.matching('a', parseLabelSelector(c.selector)).map((p) => p.metadata.name).sort(), c.want));
  }
});
