// `tinykube explain svc/NAME [-n NS]`: reads Services, EndpointSlices and the node over HTTPS
// and explains the Service from the same state the proxy builds (src/proxy/state).

import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpsClient, endpointFromKubeconfig } from '../client/https.js';
import { R } from '../client/client.js';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { stateFromObjects } from '../proxy/state/build-state.js';
import { isScheduler } from '../proxy/modes/userspace/scheduler.js';
import { explainService } from './explain.js';

export async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      kubeconfig: { type: 'string' },
      'proxy-scheduler': { type: 'string', default: 'rr' },
    },
  });
  const m = /^(?:svc|service|services)\/(.+)$/.exec(positionals[0] ?? '');
  if (!m) {
    process.stderr.write('usage: tinykube explain svc/NAME [-n NAMESPACE] [--kubeconfig PATH]\n');
    return 2;
  }
  const scheduler = values['proxy-scheduler']!;
  if (!isScheduler(scheduler)) throw new Error(`--proxy-scheduler: unknown scheduler "${scheduler}"`);
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.tinykube', 'kubeconfig');
  const client = new HttpsClient(endpointFromKubeconfig(kubeconfig), 'tinykube-explain');
  try {
    const ns = values.namespace!;
    const [services, slices, nodes] = await Promise.all([
      client.list<Service>(R.services, ns),
      client.list<EndpointSlice>(R.endpointSlices, ns),
      client.list(R.nodes),
    ]);
    const node = nodes.items[0];
    const nodeIP = node?.status?.addresses?.find((a: { type: string }) => a.type === 'InternalIP')?.address;
    const state = stateFromObjects(services.items, slices.items, { nodeName: node?.metadata.name ?? '', nodePortIPs: nodeIP ? [nodeIP] : [] });
    process.stdout.write(explainService(state, ns, m[1], scheduler));
    return 0;
  } finally {
    client.close();
  }
}
