// What the proxy itself changes or reads in the network namespace it serves, outside the
// datapath's rules: AnyIP routes and the list of local addresses. Through an Execer, so a test
// (or an agent serving a node namespace) acts on that namespace, never on the host's.

import { networkInterfaces } from 'node:os';
import type { Execer } from '../util/execer.js';

/** What addAnyIPRoutes changed, for removeAnyIPRoutes to undo. */
export interface AnyIP {
  cidrs: string[];
  /** net.ipv6.ip_nonlocal_bind was 0 and was set to 1. */
  nonlocalBindSet: boolean;
}

const NONLOCAL_BIND6 = '/proc/sys/net/ipv6/ip_nonlocal_bind';

/**
 * AnyIP: `local CIDR dev lo` routes make every address of the CIDR local, so the userspace
 * mode can bind Service VIPs that no interface holds (kernel modes DNAT before routing and need
 * none). `replace`, so a restart finds its own route without an error. IPv6: the route delivers,
 * but bind() checks an IPv6 address against the interfaces' only (EADDRNOTAVAIL, checked in a
 * namespace), so net.ipv6.ip_nonlocal_bind is turned on too while the routes are there.
 */
export async function addAnyIPRoutes(exec: Execer, cidrs: string[]): Promise<AnyIP> {
  const done: AnyIP = { cidrs: [], nonlocalBindSet: false };
  for (const cidr of cidrs) {
    const r = await exec.run(['ip', 'route', 'replace', 'local', cidr, 'dev', 'lo']);
    if (r.code !== 0) throw new Error(`ip route replace local ${cidr} dev lo failed (exit ${r.code}): ${r.stderr.trim()}`);
    done.cidrs.push(cidr);
  }
  if (cidrs.some((c) => c.includes(':')) && (await exec.run(['cat', NONLOCAL_BIND6])).stdout.trim() === '0') {
    const r = await exec.run(['tee', NONLOCAL_BIND6], '1\n');
    if (r.code !== 0) throw new Error(`setting net.ipv6.ip_nonlocal_bind failed (exit ${r.code}): ${r.stderr.trim()}`);
    done.nonlocalBindSet = true;
  }
  return done;
}

/** Removes what addAnyIPRoutes added; an already missing route is fine. */
export async function removeAnyIPRoutes(exec: Execer, added: AnyIP): Promise<void> {
  for (const cidr of added.cidrs) await exec.run(['ip', 'route', 'del', 'local', cidr, 'dev', 'lo']);
  if (added.nonlocalBindSet) await exec.run(['tee', NONLOCAL_BIND6], '0\n');
}

/**
 * Addresses of the namespace's interfaces, both families, link-local IPv6 left out (no Service
 * is reached on one): this process's own, or the Execer's.
 */
export async function localIPs(exec?: Execer): Promise<string[]> {
  const global = (ip: string): boolean => !/^fe[89ab]/i.test(ip);
  if (!exec) {
    return Object.values(networkInterfaces())
      .flat()
      .map((a) => a!.address)
      .filter(global);
  }
  const r = await exec.run(['ip', '-j', 'addr', 'show']);
  if (r.code !== 0) throw new Error(`ip addr show failed (exit ${r.code}): ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout || '[]') as { addr_info?: { local: string }[] }[]).flatMap((l) => (l.addr_info ?? []).map((a) => a.local)).filter(global);
}
