// Starts and stops the control plane in this process: store, API server, bootstrap,
// allocation repair and controllers. `up` and the tests use it.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { openEtcdStore } from '../store/etcd/etcd-store.js';
import type { ApiConfig } from '../apis/types.js';
import { ApiServer } from '../api/server.js';
import { ensureTls, writeAtomic } from '../api/tls.js';
import { bootstrap } from '../api/bootstrap.js';
import { repairAllocations } from '../apis/core/service/index.js';
import { NamespaceController } from '../controllers/namespace.js';
import { componentStatuses } from './component-statuses.js';
import { writeKubeconfig } from './kubeconfig.js';
import { startComponents, type ComponentOptions } from './components.js';
import { addressAt, parseIPv4CIDR } from '../util/ip.js';

export interface ControlPlaneOptions extends Omit<ComponentOptions, 'nodeIP'> {
  dataDir: string;
  /** etcd endpoints; none: SQLite in the data dir. */
  datastoreEndpoints?: string[];
  /** Key prefix in etcd, so that several clusters can share one. */
  datastorePrefix?: string;
  apiPort: number;
  bindAddress: string;
  serviceCIDR: string;
  nodePortRange: { min: number; max: number };
  /** Components left out: node, proxy, dns, controllers. */
  disable: Set<string>;
  log: Logger;
}

export interface ControlPlane {
  server: ApiServer;
  port: number;
  kubeconfigPath: string;
  token: string;
  caCert: string;
  stop(): Promise<void>;
}

/** How often allocation repair runs (Kubernetes' repair loops run every 3 minutes). */
const REPAIR_INTERVAL_MS = 3 * 60_000;

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const token = loadOrCreateToken(join(o.dataDir, 'token'));
  const cidr = parseIPv4CIDR(o.serviceCIDR);
  if (!cidr) throw new Error(`--service-cidr ${o.serviceCIDR} is not an IPv4 CIDR`);
  const kubernetesIP = addressAt(cidr, 1);
  const tls = await ensureTls(o.dataDir, {
    ips: [...new Set(['127.0.0.1', o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress, kubernetesIP])],
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
  });

  const storeLog = o.log.child({ component: 'store' });
  const store: Store = o.datastoreEndpoints?.length
    ? await openEtcdStore(o.datastoreEndpoints, { prefix: o.datastorePrefix ?? '/tinykube', logger: storeLog })
    : await openSqliteStore(join(o.dataDir, 'state.db'), { logger: storeLog });
  const advertiseAddress = o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress;
  const config: ApiConfig = {
    serviceCIDR: o.serviceCIDR,
    nodePortRange: o.nodePortRange,
    advertiseAddress,
    securePort: o.apiPort,
  };
  const server = new ApiServer({ store, config, tls, tokens: [token], host: o.bindAddress, port: o.apiPort, log: o.log });
  server.addVirtual('componentstatuses', {
    list: () => componentStatuses(o.disable),
    warning: 'v1 ComponentStatus is deprecated in v1.19+',
  });
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const port = await server.listen();
    stops.push(() => server.close());
    await server.listenUnix(join(o.dataDir, 'api.sock'));
    config.securePort = port;
    await repairAllocations(store);
    await bootstrap(server.rest, config);
    const repair = setInterval(() => {
      repairAllocations(store).catch((err: unknown) => o.log.warn({ err }, 'allocation repair failed'));
    }, REPAIR_INTERVAL_MS);
    stops.push(() => clearInterval(repair));
    if (!o.disable.has('controllers')) {
      const namespaces = new NamespaceController(server.rest, o.log.child({ controller: 'namespace' }));
      await namespaces.start();
      stops.push(() => namespaces.stop());
    }
    stops.push(...(await startComponents(server, { ...o, nodeIP: advertiseAddress })));
    const kubeconfigPath = join(o.dataDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, `https://${advertiseAddress}:${port}`, tls.caCert, token);
    return {
      server,
      port,
      kubeconfigPath,
      token,
      caCert: tls.caCert,
      stop: async () => {
        for (const stop of stops.reverse()) await stop();
        await store.close();
      },
    };
  } catch (e) {
    for (const stop of stops.reverse()) await stop();
    await store.close();
    throw e;
  }
}

function loadOrCreateToken(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(24).toString('hex');
  writeAtomic(path, token + '\n');
  return token;
}
