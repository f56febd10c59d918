// A control plane for store tests: API and (unless disabled) controllers in this process, no
// node, proxy or DNS, on a free port, with an HTTPS client through its kubeconfig, so requests
// take the path kubectl's take.

import pino from 'pino';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../src/cli/control-plane.js';
import { HttpsClient, endpointFromKubeconfig } from '../../src/client/https.js';

export interface TestControlPlane {
  cp: ControlPlane;
  client: HttpsClient;
  stop(): Promise<void>;
}

export async function startTestControlPlane(dataDir: string, o: Partial<ControlPlaneOptions> = {}): Promise<TestControlPlane> {
  const cp = await startControlPlane({
    dataDir,
    apiPort: 0,
    bindAddress: '127.0.0.1',
    serviceCIDR: '127.96.0.0/16',
    nodePortRange: { min: 30000, max: 32767 },
    disable: new Set(['node', 'proxy', 'dns']),
    log: pino({ level: 'silent' }),
    podCIDR: '127.244.0.0/16',
    lbPools: ['127.240.0.0/24'],
    clusterDomain: 'cluster.local',
    ...o,
  });
  const client = new HttpsClient(endpointFromKubeconfig(cp.kubeconfigPath), 'store-test');
  return {
    cp,
    client,
    stop: async () => {
      client.close();
      await cp.stop();
    },
  };
}
