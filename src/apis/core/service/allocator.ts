// ClusterIP and NodePort allocation around Service writes, with Kubernetes' semantics
// (pkg/registry/core/service/storage/alloc.go) over store reservations (reservations.ts):
// before a write, reserve what the new object needs (honouring requested values, or 422); if the
// write fails, undo; after an update or delete, release what the object no longer uses.

import { errors, field } from '../../../util/status-errors.js';
import type { ApiConfig, Undo, WriteContext } from '../../types.js';
import { canonicalIP, cidrAddressAt, cidrOffsetOf, formatCIDRText, type CIDR } from '../../../util/cidr.js';
import type { IPFamily } from '../../../util/ip.js';
import { goSlice, invalidGo } from './go-value.js';
import { initIPFamilyFields } from './ip-families.js';
import { pickFree, staticBand, type Pool } from './pool.js';
import {
  IP_ADDRESS_PREFIX,
  NODE_PORT_PREFIX,
  claim,
  ipKey,
  nodePortKey,
  peek,
  release,
  type Owner,
} from './reservations.js';
import { allocatableOffsets, parseServiceCIDRs } from './service-cidrs.js';
import {
  isHeadless,
  needsClusterIP,
  needsHealthCheckNodePort,
  needsNodePorts,
  type Service,
  type ServiceSpec,
} from './types.js';

/** Well-known services get well-known addresses: the first and the tenth of the CIDR. */
const WELL_KNOWN_OFFSETS: Record<string, number> = { 'default/kubernetes': 1, 'kube-system/kube-dns': 10 };

interface IPRange {
  cidr: CIDR;
  pool: Pool;
}

interface Pools {
  /** The cluster's service families, primary first. */
  families: IPFamily[];
  ips: Map<IPFamily, IPRange>;
  nodePorts: Pool;
  portRange: string;
}

let cached: { key: string; pools: Pools } | undefined;

/** One address pool per service CIDR. */
function ipRange(cidr: CIDR): IPRange {
  const { first, last } = allocatableOffsets(cidr);
  return {
    cidr,
    pool: {
      first,
      last,
      preferFrom: first + staticBand(last - first + 1, 16, 16, 256),
      reserved: new Set(Object.values(WELL_KNOWN_OFFSETS)),
      prefix: IP_ADDRESS_PREFIX,
      key: (n) => ipKey(cidrAddressAt(cidr, n)),
      numberOf: (k) => cidrOffsetOf(cidr, k.slice(IP_ADDRESS_PREFIX.length)),
    },
  };
}

function poolsFor(config: ApiConfig): Pools {
  const key = `${config.serviceCIDR} ${config.nodePortRange.min}-${config.nodePortRange.max}`;
  if (cached?.key === key) return cached.pools;
  const cidrs = parseServiceCIDRs(config.serviceCIDR);
  const { min, max } = config.nodePortRange;
  const pools: Pools = {
    families: cidrs.map((c) => c.family),
    ips: new Map(cidrs.map((c) => [c.family, ipRange(c)])),
    nodePorts: {
      first: min,
      last: max,
      preferFrom: min + staticBand(max - min + 1, 16, 32, 128),
      reserved: new Set(),
      prefix: NODE_PORT_PREFIX,
      key: nodePortKey,
      numberOf: (k) => {
        const n = Number(k.slice(NODE_PORT_PREFIX.length));
        return Number.isInteger(n) ? n : undefined;
      },
    },
    portRange: `${min}-${max}`,
  };
  cached = { key, pools };
  return pools;
}

const ownerOf = (svc: Service): Owner => ({
  namespace: svc.metadata.namespace ?? '',
  name: svc.metadata.name ?? '',
  ...(svc.metadata.uid ? { uid: svc.metadata.uid } : {}),
});

/** The reservation keys a stored service holds: its cluster IP and every node port. */
export function heldKeys(spec: ServiceSpec): string[] {
  const keys: string[] = [];
  if (needsClusterIP(spec) && !isHeadless(spec)) for (const ip of spec.clusterIPs ?? []) if (ip) keys.push(ipKey(ip));
  if (needsNodePorts(spec)) for (const p of spec.ports ?? []) if (p.nodePort) keys.push(nodePortKey(p.nodePort));
  if (needsHealthCheckNodePort(spec) && spec.healthCheckNodePort) keys.push(nodePortKey(spec.healthCheckNodePort));
  return [...new Set(keys)];
}

/** The reservations one write makes, so that they can be undone; in dry-run only checks. */
class Claims {
  private readonly created: string[] = [];

  constructor(
    private readonly svc: Service,
    private readonly ctx: WriteContext,
  ) {}

  async take(key: string): Promise<boolean> {
    const owner = ownerOf(this.svc);
    if (this.ctx.dryRun) return (await peek(this.ctx.store, key, owner)) !== 'taken';
    const r = await claim(this.ctx.store, key, owner, this.ctx.now);
    if (r === 'created') this.created.push(key);
    return r !== 'taken';
  }

  next(pool: Pool, exclude: ReadonlySet<number>): Promise<number | undefined> {
    return pickFree(this.ctx.store, pool, exclude, (n) => this.take(pool.key(n)));
  }

  readonly undo: Undo = async () => {
    const owner = ownerOf(this.svc);
    for (const key of this.created.splice(0)) await release(this.ctx.store, key, owner);
  };
}

const invalid = (svc: Service, path: string, value: number, detail: string) =>
  errors.invalid('Service', '', svc.metadata.name ?? '', [field.invalid(path, value, detail)]);

/** Cluster IPs for the families from index `from` on (1: the secondary of an upgrade). */
async function allocClusterIPs(svc: Service, claims: Claims, pools: Pools, from = 0): Promise<void> {
  const spec = svc.spec;
  if (!needsClusterIP(spec) || isHeadless(spec)) return;
  const ips = (spec.clusterIPs ??= []);
  for (const [i, family] of (spec.ipFamilies ?? []).entries()) {
    if (i < from) continue;
    // initIPFamilyFields let only configured families through.
    const range = pools.ips.get(family as IPFamily)!;
    ips[i] = ips[i] ? await takeRequestedIP(svc, claims, range, ips[i]) : await nextIP(svc, claims, range);
  }
  spec.clusterIP = ips[0];
}

async function takeRequestedIP(svc: Service, claims: Claims, range: IPRange, requested: string): Promise<string> {
  const fail = (why: string) =>
    errors.invalid('Service', '', svc.metadata.name ?? '', [
      invalidGo('spec.clusterIPs', goSlice(svc.spec.clusterIPs), `failed to allocate IP ${requested}: ${why}`),
    ]);
  const n = cidrOffsetOf(range.cidr, requested);
  if (n === undefined || n < range.pool.first || n > range.pool.last)
    throw fail(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${formatCIDRText(range.cidr)}`);
  if (!(await claims.take(ipKey(requested)))) throw fail('provided IP is already allocated');
  return requested;
}

async function nextIP(svc: Service, claims: Claims, range: IPRange): Promise<string> {
  const wellKnown = WELL_KNOWN_OFFSETS[`${svc.metadata.namespace}/${svc.metadata.name}`];
  const n: number | undefined =
    wellKnown !== undefined && wellKnown <= range.pool.last && (await claims.take(range.pool.key(wellKnown)))
      ? wellKnown
      : await claims.next(range.pool, new Set());
  if (n === undefined) throw errors.internal('failed to allocate a serviceIP: range is full');
  return cidrAddressAt(range.cidr, n);
}

const allocatesNodePorts = (spec: ServiceSpec): boolean =>
  spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

/** Reserves a node port the client asked for; the reason it cannot, in Kubernetes' words. */
async function takeRequestedPort(claims: Claims, pools: Pools, port: number): Promise<string | undefined> {
  if (port < pools.nodePorts.first || port > pools.nodePorts.last)
    return `provided port is not in the valid range. The range of valid ports is ${pools.portRange}`;
  return (await claims.take(nodePortKey(port))) ? undefined : 'provided port is already allocated';
}

async function nextPort(claims: Claims, pools: Pools, exclude: Set<number>, what: string): Promise<number> {
  const n = await claims.next(pools.nodePorts, exclude);
  if (n === undefined) throw errors.internal(`failed to allocate a ${what}: range is full`);
  exclude.add(n);
  return n;
}

/** Node ports for the ports of a new or updated service, requested ones honoured. */
async function allocNodePorts(svc: Service, old: ServiceSpec | undefined, claims: Claims, pools: Pools): Promise<void> {
  const spec = svc.spec;
  if (!needsNodePorts(spec)) return;
  const ports = spec.ports ?? [];
  const oldHeld = new Set(old && needsNodePorts(old) ? (old.ports ?? []).map((p) => p.nodePort ?? 0) : []);
  // Dynamic picks must not land on a value some port (or the old object) asks for explicitly.
  const exclude = new Set([...oldHeld, ...ports.map((p) => p.nodePort ?? 0)]);
  const takenNow = new Set<number>();
  const take = async (port: number, i: number): Promise<void> => {
    // On create a value can serve one service port only; an update may reuse what it holds.
    const why = takenNow.has(port) && !old ? 'provided port is already allocated' : await takeRequestedPort(claims, pools, port);
    if (why) throw invalid(svc, `spec.ports[${i}].nodePort`, port, why);
    takenNow.add(port);
  };
  // On create, ports that share a number (53/TCP and 53/UDP) share a node port too.
  const byServicePort = new Map<number, number>();
  for (const [i, p] of ports.entries()) {
    if (!p.nodePort && !allocatesNodePorts(spec)) continue;
    if (old) {
      if (!p.nodePort) p.nodePort = await nextPort(claims, pools, exclude, 'nodePort');
      else if (!oldHeld.has(p.nodePort) && !takenNow.has(p.nodePort)) await take(p.nodePort, i);
      continue;
    }
    const shared = byServicePort.get(p.port);
    if (shared === undefined) {
      const requested = ports.find((q) => q.port === p.port && q.nodePort)?.nodePort;
      if (requested) await take(requested, i);
      p.nodePort = requested ?? (await nextPort(claims, pools, exclude, 'nodePort'));
      takenNow.add(p.nodePort);
      byServicePort.set(p.port, p.nodePort);
    } else if (p.nodePort !== shared) {
      if (p.nodePort) await take(p.nodePort, i);
      else p.nodePort = shared;
    }
  }
}

/** LoadBalancer + externalTrafficPolicy Local: a node port for health checks (once). */
async function allocHealthCheckNodePort(svc: Service, old: ServiceSpec | undefined, claims: Claims, pools: Pools) {
  const spec = svc.spec;
  if (!needsHealthCheckNodePort(spec) || (old && needsHealthCheckNodePort(old))) return;
  const requested = spec.healthCheckNodePort ?? 0;
  if (requested) {
    const why = await takeRequestedPort(claims, pools, requested);
    if (why) throw errors.internal(`failed to allocate requested HealthCheck NodePort ${requested}: ${why}`);
    return;
  }
  const exclude = new Set((spec.ports ?? []).map((p) => p.nodePort ?? 0));
  spec.healthCheckNodePort = await nextPort(claims, pools, exclude, 'HealthCheck NodePort');
}

async function guarded(svc: Service, ctx: WriteContext, steps: (claims: Claims, pools: Pools) => Promise<void>): Promise<Undo> {
  const claims = new Claims(svc, ctx);
  try {
    await steps(claims, poolsFor(ctx.config));
  } catch (e) {
    await claims.undo();
    throw e;
  }
  return claims.undo;
}

export function allocateOnCreate(svc: Service, ctx: WriteContext): Promise<Undo> {
  return guarded(svc, ctx, async (claims, pools) => {
    initIPFamilyFields(svc, undefined, pools.families);
    await allocClusterIPs(svc, claims, pools);
    await allocNodePorts(svc, undefined, claims, pools);
    await allocHealthCheckNodePort(svc, undefined, claims, pools);
  });
}

export function allocateOnUpdate(svc: Service, old: Service, ctx: WriteContext): Promise<Undo> {
  return guarded(svc, ctx, async (claims, pools) => {
    initIPFamilyFields(svc, old.spec, pools.families);
    // ExternalName -> another type needs new IPs, an upgrade to dual-stack its secondary IP;
    // cluster IPs are otherwise immutable (a downgrade's IP is released after the write).
    if (!needsClusterIP(old.spec)) await allocClusterIPs(svc, claims, pools);
    else if (!isHeadless(old.spec) && old.spec.ipFamilies?.length === 1 && svc.spec.ipFamilies?.length === 2)
      await allocClusterIPs(svc, claims, pools, 1);
    await allocNodePorts(svc, old.spec, claims, pools);
    await allocHealthCheckNodePort(svc, old.spec, claims, pools);
  });
}

/** After a successful update: release what the old object held and the new one does not. */
export async function releaseUnused(svc: Service, old: Service, ctx: WriteContext): Promise<void> {
  if (ctx.dryRun) return;
  const keep = new Set(heldKeys(svc.spec));
  for (const key of heldKeys(old.spec)) if (!keep.has(key)) await release(ctx.store, key, ownerOf(old));
}

export async function releaseAll(old: Service, ctx: WriteContext): Promise<void> {
  if (ctx.dryRun) return;
  for (const key of heldKeys(old.spec)) await release(ctx.store, key, ownerOf(old));
}
