// Starts and stops the control plane in this process: store, shared CA and tokens, API server,
// bootstrap, the server's identity lease (the kubernetes endpoints), and the controllers under
// leader election. `up`, `server` and the tests use it.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { openEtcdStore } from '../store/etcd/etcd-store.js';
import type { ApiConfig } from '../apis/types.js';
import { ApiServer } from '../api/server.js';
import { ensureTls, writeAtomic } from '../api/tls.js';
import { bootstrap } from '../api/bootstrap.js';
import { shareClusterSecrets } from '../api/cluster-secrets.js';
import { ApiServerIdentity } from '../api/apiserver-identity.js';
import { InProcessClient } from '../client/in-process.js';
import { DEFAULT_TIMING, type LeaderElectionTiming } from '../client/leader-election.js';
import { realClock } from '../util/clock.js';
import { startControllerManager } from './controller-manager.js';
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
  /** Leader election of the controllers; the lease duration and retry period also time the
   *  API server identity leases (default 15 s / 10 s / 2 s). */
  leaderElection?: LeaderElectionTiming;
  /** How long a node's Lease may go unrenewed before it is Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
}

export interface ControlPlane {
  server: ApiServer;
  port: number;
  kubeconfigPath: string;
  token: string;
  /** The token agents join with (also in DATA_DIR/node-token). */
  nodeToken: string;
  caCert: string;
  /** This server's identity (lease kube-system/apiserver-ID, leader election holder). */
  identity: string;
  stop(): Promise<void>;
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const cidr = parseIPv4CIDR(o.serviceCIDR);
  if (!cidr) throw new Error(`--service-cidr ${o.serviceCIDR} is not an IPv4 CIDR`);
  const kubernetesIP = addressAt(cidr, 1);
  const storeLog = o.log.child({ component: 'store' });
  const store: Store = o.datastoreEndpoints?.length
    ? await openEtcdStore(o.datastoreEndpoints, { prefix: o.datastorePrefix ?? '/tinykube', logger: storeLog })
    : await openSqliteStore(join(o.dataDir, 'state.db'), { logger: storeLog });
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const secrets = await shareClusterSecrets(store, o.dataDir);
    const token = secrets.adminToken;
    const identity = loadOrCreateIdentity(join(o.dataDir, 'server-id'));
    const tls = await ensureTls(o.dataDir, {
      ips: [...new Set(['127.0.0.1', o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress, kubernetesIP])],
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    });
    const advertiseAddress = o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress;
    const config: ApiConfig = {
      serviceCIDR: o.serviceCIDR,
      nodePortRange: o.nodePortRange,
      advertiseAddress,
      securePort: o.apiPort,
    };
    const server = new ApiServer({ store, config, tls, tokens: [token, secrets.nodeToken], host: o.bindAddress, port: o.apiPort, log: o.log });
    server.addVirtual('componentstatuses', {
      list: () => componentStatuses(o.disable),
      warning: 'v1 ComponentStatus is deprecated in v1.19+',
    });
    const port = await server.listen();
    stops.push(() => server.close());
    await server.listenUnix(join(o.dataDir, 'api.sock'));
    config.securePort = port;
    await bootstrap(server.rest, config, { endpoints: false });
    const timing = o.leaderElection ?? DEFAULT_TIMING;
    const apiserverIdentity = new ApiServerIdentity({
      rest: server.rest,
      client: new InProcessClient(server.rest, 'kube-apiserver'),
      id: identity,
      address: { ip: advertiseAddress, port },
      leaseDurationMs: timing.leaseDurationMs,
      renewPeriodMs: timing.retryPeriodMs,
      clock: realClock,
      log: o.log.child({ component: 'apiserver-identity' }),
    });
    await apiserverIdentity.start();
    stops.push(() => apiserverIdentity.stop());
    if (!o.disable.has('controllers')) {
      const manager = await startControllerManager({ server, store, identity, timing, nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs, lbPools: o.lbPools, log: o.log, dataDir: o.dataDir });
      stops.push(() => manager.stop());
    }
    stops.push(...(await startComponents(server, { ...o, nodeIP: advertiseAddress, nodeToken: secrets.nodeToken })));
    const kubeconfigPath = join(o.dataDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, `https://${advertiseAddress}:${port}`, tls.caCert, token);
    return {
      server,
      port,
      kubeconfigPath,
      token,
      nodeToken: secrets.nodeToken,
      caCert: tls.caCert,
      identity,
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

/** HOSTNAME-RANDOM, kept in the data dir: a restarted server is the same server (it takes its
 *  own leases back at once). */
function loadOrCreateIdentity(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const host = hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const id = `${host}-${randomBytes(4).toString('hex')}`;
  writeAtomic(path, id + '\n');
  return id;
}
