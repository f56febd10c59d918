// What the proxy itself changes or reads in the network namespace it serves, outside the
// datapath's rules: AnyIP routes and the list of local addresses. Through an Execer, so a test
// (or an agent serving a node namespace) acts on that namespace, never on the host's.

import { networkInterfaces } from 'node:os';
import type { Execer } from '../util/execer.js';

/**
 * AnyIP: `local CIDR dev lo` routes make every address of the CIDR local, so the userspace
 * mode can bind Service VIPs that no interface holds (kernel modes DNAT before routing and need
 * none). `replace`, so a restart finds its own route without an error.
 */
export async function addAnyIPRoutes(exec: Execer, cidrs: string[]): Promise<void> {
  for (const cidr of cidrs) {
    const r = await exec.run(['ip', 'route', 'replace', 'local', cidr, 'dev', 'lo']);
    if (r.code !== 0) throw new Error(`ip route replace local ${cidr} dev lo failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}

/** Removes what addAnyIPRoutes added; an already missing route is fine. */
export async function removeAnyIPRoutes(exec: Execer, cidrs: string[]): Promise<void> {
  for (const cidr of cidrs) await exec.run(['ip', 'route', 'del', 'local', cidr, 'dev', 'lo']);
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
