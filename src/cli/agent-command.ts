// `tinykube agent --server URL --token T`: a node (agent + proxy) that joins a cluster over
// HTTPS, as k3s's agent does. The CA comes from --ca-file, or from the server's data dir when
// the agent shares its filesystem (netns nodes on one machine).

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpsClient } from '../client/https.js';
import { openLog } from './log.js';
import { startNodeComponents } from './node-components.js';
import { untilSignal } from './signals.js';

const HELP = `Usage: tinykube agent --server URL --token T [flags]

  --server URL            API server: https://HOST:PORT, or unix:///PATH/api.sock
  --token T | --token-file F
                          The node token (the server's DATA_DIR/node-token)
  --ca-file F             The cluster CA certificate (the server's DATA_DIR/tls/ca.crt)
  --data-dir DIR          Pods' logs and state (default ~/.tinykube-agent)
  --node-name NAME        This node's name (default: the host name)
  --node-ip IP            This node's address (default 127.0.0.1)
  --pod-cidr CIDR         Addresses for this node's pods (default 127.244.0.0/16)
  --disable LIST          node, proxy
  --nodeport-addresses LIST, --proxy-scheduler NAME, --log-level LEVEL: as for up
`;

export async function agentCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      'data-dir': { type: 'string', default: join(process.env.HOME ?? '/root', '.tinykube-agent') },
      'node-name': { type: 'string' },
      'node-ip': { type: 'string', default: '127.0.0.1' },
      'pod-cidr': { type: 'string', default: '127.244.0.0/16' },
      disable: { type: 'string', default: '' },
      'nodeport-addresses': { type: 'string' },
      'proxy-scheduler': { type: 'string', default: 'rr' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const token = values.token ?? (values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : undefined);
  if (!values.server || !token || !values['ca-file']) {
    process.stderr.write(`tinykube agent: --server, --token (or --token-file) and --ca-file are required\n\n${HELP}`);
    return 2;
  }
  const ca = readFileSync(values['ca-file'], 'utf8');
  const dataDir = values['data-dir']!;
  const log = openLog(dataDir, values['log-level']!);
  const nodeName = values['node-name'] ?? hostname().toLowerCase();
  const clients: HttpsClient[] = [];
  const clientFor = (component: string): HttpsClient => {
    const c = new HttpsClient({ server: values.server!, ca, token }, component);
    clients.push(c);
    return c;
  };
  const node = await startNodeComponents(clientFor, {
    dataDir,
    disable: new Set((values.disable ?? '').split(',').filter(Boolean)),
    log,
    nodeName,
    nodeIP: values['node-ip']!,
    podCIDR: values['pod-cidr']!,
    nodePortAddresses: values['nodeport-addresses']?.split(','),
    proxyScheduler: values['proxy-scheduler'],
  });
  log.info({ server: values.server, nodeName }, 'agent is ready');
  process.stdout.write(`tinykube agent: node ${nodeName} joined ${values.server}\n`);
  await untilSignal();
  for (const stop of node.stops) await stop();
  for (const c of clients) c.close();
  log.flush();
  return 0;
}
