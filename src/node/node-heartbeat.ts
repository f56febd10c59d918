// Keeps this agent's Node alive in the API: registers it (or takes over the one a previous run
// left), renews its Lease in kube-node-lease every quarter of its duration (10 s of 40 s; what
// the node lifecycle controller watches), and posts the node status every 30 s
// (lastHeartbeatTime), as kubelet does.

import type { Logger } from 'pino';
import type { Node } from '../apis/core/nodes.js';
import type { KubeObject } from '../apis/types.js';
import { StatusError } from '../util/status-errors.js';
import { R, type Client } from '../client/client.js';
import type { Clock, Timer } from '../util/clock.js';
import { microTime, newNode, nodeLabels, nodeStatus, type NodeParams } from './node-object.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet's default nodeLeaseDurationSeconds; the Lease is renewed every quarter of it. */
export const NODE_LEASE_DURATION_SECONDS = 40;
export const STATUS_UPDATE_MS = 30_000;

const isStatus = (err: unknown, code: number): boolean => err instanceof StatusError && err.code === code;

export class NodeHeartbeat {
  private node?: Node;
  /** One pending timer per loop. */
  private readonly timers = new Map<string, Timer>();
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly params: NodeParams,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly leaseDurationSeconds = NODE_LEASE_DURATION_SECONDS,
  ) {}

  /** Registers the Node and its Lease, then keeps both fresh until stop(). */
  async start(): Promise<Node> {
    await this.register();
    await this.renewLease();
    this.loop('lease', (this.leaseDurationSeconds * 1000) / 4, () => this.renewLease());
    this.loop('status', STATUS_UPDATE_MS, () => this.postStatus());
    return this.node!;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
  }

  /** Runs fn every everyMs, the next run timed from the end of the last. */
  private loop(name: string, everyMs: number, fn: () => Promise<void>): void {
    const schedule = (): void => {
      if (!this.stopped) this.timers.set(name, this.clock.after(everyMs, tick));
    };
    const tick = (): void => {
      fn()
        .catch((err: unknown) => this.log.warn({ err }, `node ${name} update failed`))
        .finally(schedule);
    };
    schedule();
  }

  private async register(): Promise<void> {
    const now = new Date(this.clock.now());
    const name = this.params.nodeName;
    try {
      this.node = await this.client.create<Node>(R.nodes, undefined, newNode(this.params, now));
      return;
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
    // A Node of this name exists (an earlier run): make it ours again.
    const existing = await this.client.get<Node>(R.nodes, undefined, name);
    const patch = {
      metadata: { labels: nodeLabels(this.params) },
      spec: existing.spec?.podCIDR ? {} : { podCIDR: this.params.podCIDRs[0], podCIDRs: this.params.podCIDRs },
    };
    await this.client.patch(R.nodes, undefined, name, 'merge', patch);
    this.node = existing;
    await this.postStatus();
  }

  private async postStatus(): Promise<void> {
    // A concurrent write (kubectl cordon, labels) only means reading the node again.
    for (let attempt = 0; ; attempt++) {
      const current = await this.client.get<Node>(R.nodes, undefined, this.params.nodeName);
      const status = nodeStatus(this.params, new Date(this.clock.now()), current);
      try {
        this.node = await this.client.update<Node>(R.nodes, undefined, { ...current, status }, { subresource: 'status' });
        return;
      } catch (err) {
        if (!isStatus(err, 409) || attempt >= 2) throw err;
      }
    }
  }

  private async renewLease(): Promise<void> {
    const name = this.params.nodeName;
    const renewTime = microTime(new Date(this.clock.now()));
    try {
      const lease = await this.client.get<KubeObject>(R.leases, LEASE_NAMESPACE, name);
      await this.client.update(R.leases, LEASE_NAMESPACE, { ...lease, spec: { ...lease.spec, holderIdentity: name, renewTime } });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      const node = this.node!;
      await this.client.create(R.leases, LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: LEASE_NAMESPACE,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }],
        },
        spec: { holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime },
      });
    }
  }
}
