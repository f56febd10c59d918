// Support for the controllers' tests: a stand-in for the node agent that registers a Ready
// Node, marks the pods bound to it Running and Ready (when `ready(pod)` says so) and finishes
// their graceful deletion at once, as a kubelet would after stopping them; and a poll helper.

import type { KubeObject } from '../../src/apis/types.js';
import { R, type Client } from '../../src/client/client.js';
import { Informer } from '../../src/client/informer.js';
import { rfc3339 } from '../../src/util/time.js';

export interface FakeNode {
  /** Which bound pods become Ready (default: all). */
  ready: (pod: KubeObject) => boolean;
  stop(): void;
}

export async function startFakeNode(client: Client, name: string, labels: Record<string, string> = {}): Promise<FakeNode> {
  await client.create(R.nodes, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  });
  // Node status is written through its status subresource, like the kubelet does.
  const node = await client.get(R.nodes, undefined, name);
  await client.update(R.nodes, undefined, { ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, { subresource: 'status' });
  const pods = new Informer(client, R.pods, { fieldSelector: `spec.nodeName=${name}` });
  let next = 1;
  const fake: FakeNode = { ready: () => true, stop: () => pods.stop() };
  const handle = (pod: KubeObject): void => {
    const act = async (): Promise<void> => {
      if (pod.metadata.deletionTimestamp) {
        await client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        return;
      }
      const ready = fake.ready(pod);
      const isReady = pod.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (pod.status?.phase === 'Running' && isReady === ready) return;
      const ip = pod.status?.podIP ?? `127.244.0.${next++}`;
      const at = rfc3339(new Date());
      const status = {
        ...pod.status,
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
          { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at },
        ],
      };
      await client.update(R.pods, pod.metadata.namespace, { ...pod, status }, { subresource: 'status' });
    };
    act().catch(() => undefined);
  };
  pods.on({ add: handle, update: (_o, p) => handle(p) });
  await pods.start();
  return fake;
}

