// Starts and stops the control plane in this process: store, shared CA and tokens, API server,
// bootstrap, the server's identity lease (the kubernetes endpoints), and the controllers under
// leader election. `up`, `server` and the tests use it.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { openEtcdStore } from '../store/etcd/etcd-store.js';
import type { ApiConfig } from '../apis/types.js';
import { ServiceAccountJwt } from '../api/auth/service-account-jwt.js';
import { ApiServer } from '../api/server.js';
import { defaultRegistry } from '../api/registry.js';
import { readEncryptionConfig } from '../api/encryption-config.js';
import { EncryptingStore } from '../store/encryption/encrypting-store.js';
import { Auditor } from '../api/audit/auditor.js';
import { readPolicy } from '../api/audit/policy.js';
import { openAuditLog, type Rotation } from '../api/audit/log-file.js';
import { ensureClientCert, ensureTls, writeAtomic } from '../api/tls.js';
import { bootstrap } from '../api/bootstrap.js';
import { shareClusterSecrets } from '../api/cluster-secrets.js';
import { ApiServerIdentity } from '../control-plane/apiserver-identity.js';
import { InProcessClient } from '../client/in-process.js';
import { DEFAULT_TIMING, type LeaderElectionTiming } from '../client/leader-election.js';
import { realClock } from '../util/clock.js';
import { startControllerManager, type ControllerManager } from './controller-manager.js';
import { componentStatuses, LEADER_LEASE, type LeaseSpec } from './component-statuses.js';
import { within } from '../api/health.js';
import { R } from '../client/client.js';
import { isNotFound } from '../controllers/controller-ref.js';
import { writeKubeconfig } from './kubeconfig.js';
import { startComponents, type ComponentOptions } from './components.js';
import { processMetrics } from './process-metrics.js';
import { applyKubeProxyDaemonSet } from '../proxy/kube-proxy-daemonset.js';
import { parseServiceCIDRs } from '../apis/core/service/index.js';
import { cidrAddressAt } from '../util/cidr.js';

/** A store that does not answer a read within this long is unhealthy. */
const STORE_CHECK_MS = 2_000;

export interface ControlPlaneOptions extends Omit<ComponentOptions, 'nodeIP'> {
  dataDir: string;
  /** etcd endpoints; none: SQLite in the data dir. */
  datastoreEndpoints?: string[];
  /** Key prefix in etcd, so that several clusters can share one. */
  datastorePrefix?: string;
  apiPort: number;
  bindAddress: string;
  /** The address the `kubernetes` Service's endpoints name (default: the bind address, or
   *  127.0.0.1 for 0.0.0.0); the rootless network's pods reach the API at its host gateway. */
  advertiseAddress?: string;
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
  /** Leave writing the kubeconfig to the caller (publishKubeconfig), once its nodes are up:
   *  kubectl finds the cluster only when it is ready. */
  deferKubeconfig?: boolean;
  /** The audit log: a policy file and where to write (both needed, as for kube-apiserver). */
  audit?: { policyFile?: string; logPath?: string } & Rotation;
  /** An EncryptionConfiguration file: what the store keeps encrypted, and with which keys. */
  encryptionProviderConfig?: string;
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
  /** Writes the kubeconfig (at start, unless deferred). */
  publishKubeconfig(): void;
  stop(): Promise<void>;
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const kubeconfigPath = join(o.dataDir, 'kubeconfig');
  // A kubeconfig of an earlier run must not send kubectl here before the cluster is ready.
  if (o.deferKubeconfig) rmSync(kubeconfigPath, { force: true });
  // The `kubernetes` Service is single-stack, on the first address of the primary range.
  const kubernetesIP = cidrAddressAt(parseServiceCIDRs(o.serviceCIDR)[0], 1);
  const storeLog = o.log.child({ component: 'store' });
  const auditor = o.audit && openAuditor(o.audit);
  const registry = defaultRegistry();
  const encryption = o.encryptionProviderConfig ? readEncryptionConfig(o.encryptionProviderConfig, registry.resources) : [];
  const raw: Store = o.datastoreEndpoints?.length
    ? await openEtcdStore(o.datastoreEndpoints, { prefix: o.datastorePrefix ?? '/tinykube', logger: storeLog })
    : await openSqliteStore(join(o.dataDir, 'state.db'), { logger: storeLog, groupCommit: true });
  const store: Store = encryption.length ? new EncryptingStore(raw, encryption) : raw;
  const stops: (() => Promise<void> | void)[] = [];
  if (auditor) stops.push(() => auditor.close());
  try {
    const secrets = await shareClusterSecrets(store, o.dataDir);
    const token = secrets.adminToken;
    const identity = loadOrCreateIdentity(join(o.dataDir, 'server-id'));
    const localAddress = o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress;
    const advertiseAddress = o.advertiseAddress ?? localAddress;
    const tls = await ensureTls(o.dataDir, {
      ips: [...new Set(['127.0.0.1', localAddress, advertiseAddress, kubernetesIP])],
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    });
    const ca = { cert: secrets.caCert, key: secrets.caKey };
    const adminCert = await ensureClientCert(o.dataDir, 'admin', ca, 'system:admin', ['system:masters']);
    const config: ApiConfig = {
      serviceCIDR: o.serviceCIDR,
      nodePortRange: o.nodePortRange,
      advertiseAddress,
      securePort: o.apiPort,
    };
    const server = new ApiServer({
      store,
      registry,
      auditor,
      config,
      tls: { ...tls, clientCA: tls.caCert },
      tokens: [token],
      nodeToken: secrets.nodeToken,
      serviceAccountJwt: new ServiceAccountJwt(secrets.caKey),
      host: o.bindAddress,
      port: o.apiPort,
      log: o.log,
    });
    server.addMetrics(processMetrics());
    const storeAnswers = async (): Promise<void> => void (await within(STORE_CHECK_MS, 'the store', store.currentRevision()));
    const reader = new InProcessClient(server.rest, 'kube-apiserver');
    server.addVirtual('componentstatuses', {
      list: () =>
        componentStatuses({
          store: storeAnswers,
          leaderLease: () =>
            within(STORE_CHECK_MS, 'the leader lease', reader.get(R.leases, LEADER_LEASE.namespace, LEADER_LEASE.name)).then(
              (l) => l.spec as LeaseSpec,
              (e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)),
            ),
          now: () => Date.now(),
        }),
      warning: 'v1 ComponentStatus is deprecated in v1.19+',
    });
    server.addHealthCheck({ name: 'etcd', check: storeAnswers });
    let manager: ControllerManager | undefined;
    if (!o.disable.has('controllers')) {
      server.addHealthCheck({
        name: 'informer-sync',
        readyzOnly: true,
        check: async () => {
          if (!manager?.synced()) throw new Error("the controllers' informers have not synced");
        },
      });
    }
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
      manager = await startControllerManager({ server, store, identity, timing, nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs, lbPools: o.lbPools, lbIPMode: o.lbIPMode, caCert: secrets.caCert, caKey: secrets.caKey, log: o.log, dataDir: o.dataDir });
      stops.push(() => manager!.stop());
    }
    stops.push(...(await startComponents(server, { ...o, nodeIP: localAddress, nodeToken: secrets.nodeToken })));
    // This node's proxy shown as kubeadm shows it (agents' nodes join the same DaemonSet).
    if (!o.disable.has('proxy')) await applyKubeProxyDaemonSet(new InProcessClient(server.rest, 'tinykube'));
    const publishKubeconfig = (): void => writeKubeconfig(kubeconfigPath, `https://${localAddress}:${port}`, tls.caCert, { token, cert: adminCert });
    if (!o.deferKubeconfig) publishKubeconfig();
    return {
      server,
      port,
      kubeconfigPath,
      token,
      nodeToken: secrets.nodeToken,
      caCert: tls.caCert,
      identity,
      publishKubeconfig,
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

function openAuditor(a: NonNullable<ControlPlaneOptions['audit']>): Auditor {
  if (!a.policyFile || !a.logPath) throw new Error('the audit log needs both --audit-policy-file and --audit-log-path');
  return new Auditor(readPolicy(a.policyFile), openAuditLog(a.logPath, a));
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
