// `tinykube explain svc/NAME [-n NS] [--proxy-mode M] [--node NODE]`: reads Services,
// EndpointSlices and the node over HTTPS and explains the Service from the same state the
// proxy builds (src/proxy/state): in words (userspace), or as the real rules of a kernel mode.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpsClient, endpointFromKubeconfig } from '../client/https.js';
import { R } from '../client/client.js';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { stateFromObjects } from '../proxy/state/build-state.js';
import { isScheduler } from '../proxy/modes/userspace/scheduler.js';
import { explainRules, explainService, isRuleMode, RULE_MODES } from '../proxy/explain.js';

export async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      kubeconfig: { type: 'string' },
      'proxy-scheduler': { type: 'string', default: 'rr' },
      'proxy-mode': { type: 'string', default: 'userspace' },
      'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
      node: { type: 'string' },
    },
  });
  const m = /^(?:svc|service|services)\/(.+)$/.exec(positionals[0] ?? '');
  const mode = values['proxy-mode']!;
  if (!m || (mode !== 'userspace' && !isRuleMode(mode))) {
    process.stderr.write(`usage: tinykube explain svc/NAME [-n NAMESPACE] [--proxy-mode userspace|${RULE_MODES.join('|')}] [--cluster-cidr CIDR[,CIDR]] [--node NODE] [--kubeconfig PATH]\n`);
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
    const node = values.node ? nodes.items.find((n) => n.metadata.name === values.node) : nodes.items[0];
    if (values.node && !node) throw new Error(`nodes "${values.node}" not found`);
    const nodeIP = node?.status?.addresses?.find((a: { type: string }) => a.type === 'InternalIP')?.address;
    const state = stateFromObjects(services.items, slices.items, { nodeName: node?.metadata.name ?? '', nodePortIPs: nodeIP ? [nodeIP] : [] });
    process.stdout.write(
      isRuleMode(mode) ? explainRules(state, ns, m[1], mode, { clusterCIDR: values['cluster-cidr']! }) : explainService(state, ns, m[1], scheduler),
    );
    return 0;
  } finally {
    client.close();
  }
}
