// `tinykube server`: an API server with the controllers (under leader election), no node, no
// proxy, no DNS — k3s's `server --disable-agent`. Several servers on one etcd make a
// highly available control plane: they share the CA and tokens through the store, list each
// other in the `kubernetes` endpoints, and one of them (the leader) runs the controllers. DNS
// stays with `up` (it serves from the node side); nodes join with `tinykube agent`.

import { join } from 'node:path';
import { startControlPlane } from './control-plane.js';
import { openLog } from './log.js';
import { onStop } from './signals.js';
import { FlagSet } from './flag-set.js';
import { CONTROL_PLANE_FLAGS, FLAGS, controlPlaneOptions } from './flags.js';

const SERVER_FLAGS = new FlagSet(FLAGS, [...CONTROL_PLANE_FLAGS, 'log-level']);

const HELP = `Usage: tinykube server [flags]

An API server and the controllers (leader-elected), without node, proxy or DNS. Agents join
with: tinykube agent --server https://HOST:PORT[,...] --token-file DATA_DIR/node-token --ca-file DATA_DIR/tls/ca.crt

${SERVER_FLAGS.help()}`;

export async function serverCommand(args: string[]): Promise<number> {
  const values = SERVER_FLAGS.parse(args, HELP);
  if (!values) return 0;
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
  stopping.waitingFor('the control plane to stop');
  await cp.stop();
  log.flush();
  return 0;
}
