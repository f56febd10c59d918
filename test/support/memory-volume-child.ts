// Run by src/node/volumes/memory-dir.test.ts in a mount namespace of its own, as `up` runs a netns
// agent: mounts the memory dir, sets a pod's token volume up in it and prints both paths; "down"
// on stdin tears the pod's volumes down (printing "gone"); it then waits to be killed.

import { createInterface } from 'node:readline';
import { pino } from 'pino';
import type { Pod } from '../../src/apis/core/pods.js';
import type { Client } from '../../src/client/client.js';
import { privateMemoryDir } from '../../src/node/volumes/memory-dir.js';
import { PodVolumes } from '../../src/node/volumes/pod-volumes.js';

const dataDir = process.argv[2]!;
const pod: Pod = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { containers: [], volumes: [{ name: 'kube-api-access', projected: { defaultMode: 0o644, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }] },
};
const memoryDir = privateMemoryDir(dataDir, pino({ level: 'silent' }));
// A token volume needs no API call: the client stays unused.
const volumes = new PodVolumes(dataDir, {} as Client, memoryDir);
const paths = await volumes.setUp(pod, { sources: { configMap: () => undefined, secret: () => undefined }, podIPs: [], hostIPs: [], token: () => 'the-token' });
process.stdout.write(`${JSON.stringify({ memoryDir, volume: paths.get('kube-api-access') })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'down') {
    volumes.tearDown(pod);
    process.stdout.write('gone\n');
  }
}
