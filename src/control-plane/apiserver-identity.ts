// Every API server keeps an identity Lease, kube-system/apiserver-<id> labelled
// apiserver.kubernetes.io/identity=kube-apiserver (as kube-apiserver does), annotated with the
// address and port it serves on, and renews it every retry period. Each pass also makes the
// endpoints of default/kubernetes list the servers whose lease is live (renewTime + duration
// after now), so a server that died drops out within a lease duration and a retry period; one
// that stops gracefully deletes its lease and drops out at once. Every server computes the same
// list from the same leases, so they never fight over it. Leases of dead servers are deleted
// (kube-apiserver's apiserver lease garbage collector).

import type { Logger } from 'pino';
import type { Lease } from '../apis/coordination/leases.js';
import { R, type Client } from '../client/client.js';
import { microTime } from '../client/leader-election.js';
import type { Clock, Timer } from '../util/clock.js';
import { StatusError } from '../util/status-errors.js';
import type { Rest } from '../api/rest/rest.js';
import { reconcileKubernetesEndpoints, type ApiServerAddress } from '../api/bootstrap.js';

export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
const ADDRESS_ANNOTATION = 'tinykube.io/advertise-address';
const PORT_ANNOTATION = 'tinykube.io/secure-port';
const NAMESPACE = 'kube-system';

const isLive = (l: Lease, now: number): boolean => Date.parse(l.spec?.renewTime ?? '') + (l.spec?.leaseDurationSeconds ?? 0) * 1000 > now;

/** The servers whose identity lease is live at `now` (pure). */
export function liveServers(leases: Lease[], now: number): ApiServerAddress[] {
  return leases.flatMap((l) => {
    const ip = l.metadata.annotations?.[ADDRESS_ANNOTATION];
    const port = Number(l.metadata.annotations?.[PORT_ANNOTATION]);
    return ip && port && isLive(l, now) ? [{ ip, port }] : [];
  });
}

export interface ApiServerIdentityOptions {
  rest: Rest;
  client: Client;
  /** Stable per data dir, so a restarted server takes its own lease back. */
  id: string;
  address: ApiServerAddress;
  leaseDurationMs: number;
  renewPeriodMs: number;
  clock: Clock;
  log: Logger;
}

export class ApiServerIdentity {
  private timer?: Timer;
  private stopped = false;
  private pass: Promise<void> = Promise.resolve();

  constructor(private readonly o: ApiServerIdentityOptions) {}

  get leaseName(): string {
    return `apiserver-${this.o.id}`;
  }

  /** Renews and reconciles once, then every renew period. */
  async start(): Promise<void> {
    await this.tick();
  }

  /** Deletes this server's lease and takes it out of the endpoints. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.pass;
    try {
      await this.o.client.delete(R.leases, NAMESPACE, this.leaseName);
      await this.reconcile();
    } catch (err) {
      this.o.log.warn({ err }, 'could not withdraw this API server from the kubernetes endpoints');
    }
  }

  private tick(): Promise<void> {
    this.pass = this.renew()
      .then(() => this.reconcile())
      .catch((err: unknown) => this.o.log.warn({ err }, 'API server identity pass failed'))
      .finally(() => {
        if (!this.stopped) this.timer = this.o.clock.after(this.o.renewPeriodMs, () => void this.tick());
      });
    return this.pass;
  }

  private async renew(): Promise<void> {
    const { client, id, address } = this.o;
    const spec = { holderIdentity: id, leaseDurationSeconds: Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000)), renewTime: microTime(this.o.clock.now()) };
    const metadata = {
      name: this.leaseName,
      namespace: NAMESPACE,
      labels: { [IDENTITY_LABEL]: 'kube-apiserver' },
      annotations: { [ADDRESS_ANNOTATION]: address.ip, [PORT_ANNOTATION]: String(address.port) },
    };
    try {
      const current = await client.get<Lease>(R.leases, NAMESPACE, this.leaseName);
      await client.update(R.leases, NAMESPACE, { ...current, metadata: { ...current.metadata, ...metadata }, spec: { ...current.spec, ...spec } });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
      await client.create(R.leases, NAMESPACE, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec });
    }
  }

  private async reconcile(): Promise<void> {
    const { items } = await this.o.client.list<Lease>(R.leases, NAMESPACE, { labelSelector: `${IDENTITY_LABEL}=kube-apiserver` });
    const now = this.o.clock.now();
    await reconcileKubernetesEndpoints(this.o.rest, liveServers(items, now));
    for (const dead of items.filter((l) => !isLive(l, now))) {
      await this.o.client.delete(R.leases, NAMESPACE, dead.metadata.name!, { preconditions: { resourceVersion: dead.metadata.resourceVersion } }).catch((err: unknown) => {
        // Renewed or deleted meanwhile (by its server or another one).
        if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
      });
    }
  }
}
