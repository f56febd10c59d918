// `tinykube server`: an API server with the controllers (under leader election), no node, no
// proxy, no DNS — k3s's `server --disable-agent`. Several servers on one etcd make a
// highly available control plane: they share the CA and tokens through the store, list each
// other in the `kubernetes` endpoints, and one of them (the leader) runs the controllers. DNS
// stays with `up` (it serves from the node side); nodes join with `tinykube agent`.

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from './control-plane.js';
import { openLog } from './log.js';
import { onStop } from './signals.js';
import { CONTROL_PLANE_FLAGS, CONTROL_PLANE_TIMING_HELP, CONTROL_PLANE_SECURITY_HELP, controlPlaneOptions } from './flags.js';

const HELP = `Usage: tinykube server [flags]

An API server and the controllers (leader-elected), without node, proxy or DNS. Agents join
with: tinykube agent --server https://HOST:PORT[,...] --token-file DATA_DIR/node-token --ca-file DATA_DIR/tls/ca.crt

  --data-dir DIR          Certificates, tokens, kubeconfig, logs (default ~/.tinykube)
  --api-port N            HTTPS port (default 6443; 0 picks a free port)
  --bind-address IP       Address to listen on and advertise (default 127.0.0.1)
  --datastore-endpoint LIST
                          etcd endpoints (http://a:2379,http://b:2379); several servers share one;
                          default: SQLite in the data dir (one server)
  --datastore-prefix P    Key prefix in etcd (default /tinykube)
  --service-cidr CIDR     ClusterIP range (default 127.96.0.0/16)
  --service-node-port-range A-B
                          NodePort range (default 30000-32767)
  --lb-pool LIST          LoadBalancer address pools (default 127.240.0.0/24)
${CONTROL_PLANE_TIMING_HELP}${CONTROL_PLANE_SECURITY_HELP}  --log-level LEVEL       trace, debug, info, warn or error (default info)
`;

export async function serverCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...CONTROL_PLANE_FLAGS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const options = controlPlaneOptions(values);
  const { dataDir } = options;
  const log = openLog(dataDir, values['log-level']!);
  const stopping = onStop();
  const cp = await startControlPlane({
    ...options,
    disable: new Set(['node', 'proxy', 'dns']),
    log,
    podCIDR: '',
    clusterDomain: 'cluster.local',
  });
  log.info({ port: cp.port, dataDir, identity: cp.identity }, 'tinykube server is ready');
  process.stdout.write(
    `tinykube server ${cp.identity} is ready — API at https://${values['bind-address'] === '0.0.0.0' ? '127.0.0.1' : values['bind-address']}:${cp.port}\n\n` +
      `  export KUBECONFIG=${cp.kubeconfigPath}\n` +
      `  Agents join with --token-file ${join(dataDir, 'node-token')} --ca-file ${join(dataDir, 'tls', 'ca.crt')}\n`,
  );
  await stopping.done;
  process.stdout.write('tinykube server: stopping\n');
  await cp.stop();
  log.flush();
  return 0;
}
