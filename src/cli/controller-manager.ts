// kube-controller-manager's share of the control plane, run by the leader only: a LeaderElector
// on kube-system/kube-controller-manager starts the controllers (workloads, services, namespace,
// node lifecycle) and the allocation repair loop when this server becomes leader and stops them
// when it stops leading, so several servers on one store never run two of each.

import type { Logger } from 'pino';
import type { ApiServer } from '../api/server.js';
import type { Store } from '../store/store.js';
import { repairAllocations } from '../apis/core/service/index.js';
import { NamespaceController } from '../controllers/namespace.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle.js';
import { InProcessClient } from '../client/in-process.js';
import { LeaderElector, type LeaderElectionTiming } from '../client/leader-election.js';
import { realClock } from '../util/clock.js';
import { startControllers } from './components.js';
import { LEADER_LEASE } from './component-statuses.js';

/** How often allocation repair runs (Kubernetes' repair loops run every 3 minutes). */
const REPAIR_INTERVAL_MS = 3 * 60_000;

export interface ControllerManagerOptions {
  server: ApiServer;
  store: Store;
  identity: string;
  timing: LeaderElectionTiming;
  nodeMonitorGracePeriodMs?: number;
  lbPools: string[];
  lbIPMode?: 'VIP' | 'Proxy';
  /** The cluster CA, published to every namespace for pods' token volumes. */
  caCert: string;
  /** The CA's key: the csrsigning controller issues certificates with it. */
  caKey: string;
  log: Logger;
  /** The server's data dir (local-path volumes live under it). */
  dataDir: string;
}

type Stop = () => Promise<void> | void;

export interface ControllerManager {
  /** False while this server, just elected, starts its controllers (their informers list). */
  synced(): boolean;
  stop(): Promise<void>;
}

/** Campaigns for leadership; resolves once the first attempt is over (a sole server leads by then). */
export async function startControllerManager(o: ControllerManagerOptions): Promise<ControllerManager> {
  const log = o.log.child({ component: 'controller-manager' });
  let stops: Stop[] = [];
  let starting = false;
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
    stops = [];
  };
  const lead = async (): Promise<void> => {
    starting = true;
    try {
      await repairAllocations(o.store);
      const repair = setInterval(() => {
        repairAllocations(o.store).catch((err: unknown) => log.warn({ err }, 'allocation repair failed'));
      }, REPAIR_INTERVAL_MS);
      stops.push(() => clearInterval(repair));
      const namespaces = new NamespaceController({
        client: new InProcessClient(o.server.rest, 'namespace-controller'),
        // What discovery lists as namespaced and deletable by collection, as the real controller asks.
        resources: o.server.rest.registry.resources
          .filter((r) => r.type.namespaced && r.type.verbs.includes('deletecollection'))
          .map(({ type: { group, version, resource } }) => ({ group, version, resource })),
        log: log.child({ controller: 'namespace' }),
      });
      await namespaces.start();
      stops.push(() => namespaces.stop());
      stops.push(...(await startControllers(o.server, { log: o.log, lbPools: o.lbPools, lbIPMode: o.lbIPMode, caCert: o.caCert, caKey: o.caKey, dataDir: o.dataDir })));
      const nodes = new NodeLifecycleController({
        client: new InProcessClient(o.server.rest, 'node-controller'),
        log: log.child({ controller: 'node-lifecycle' }),
        clock: realClock,
        gracePeriodMs: o.nodeMonitorGracePeriodMs,
      });
      await nodes.start();
      stops.push(() => nodes.stop());
    } catch (err) {
      await stopAll();
      throw err;
    } finally {
      starting = false;
    }
  };
  const elector = new LeaderElector({
    client: new InProcessClient(o.server.rest, 'kube-controller-manager'),
    ...LEADER_LEASE,
    identity: o.identity,
    timing: o.timing,
    clock: realClock,
    log,
    onStartedLeading: lead,
    onStoppedLeading: stopAll,
  });
  await elector.start();
  return { synced: () => !starting, stop: () => elector.stop() };
}
