// IPVS is detected, never assumed: the kernel must have ip_vs and the schedulers kube-proxy needs
// loaded or built in. When it lacks them the proxy says why and falls back, as kube-proxy's log
// line "can't use the IPVS proxier: ..." tells the tutorials' readers, to nftables, then iptables.

import fs from 'node:fs';
import os from 'node:os';

/** kube-proxy's required IPVS modules (ip_vs and the schedulers it may configure). */
export const IPVS_MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh'];

export interface Probe {
  available: boolean;
  reason?: string;
}

type ReadFile = (path: string, encoding: 'utf8') => string;

const tryRead = (readFile: ReadFile, path: string): string | undefined => {
  try {
    return readFile(path, 'utf8');
  } catch {
    return undefined;
  }
};

export function detectIpvs(readFile: ReadFile = fs.readFileSync, release: string = os.release()): Probe {
  const loaded = new Set((tryRead(readFile, '/proc/modules') ?? '').split('\n').map((l) => l.split(' ')[0]));
  // Built-in modules never show in /proc/modules; modules.builtin lists them as paths.
  const builtin = new Set(
    (tryRead(readFile, `/lib/modules/${release}/modules.builtin`) ?? '').split('\n').map((l) => l.split('/').pop()!.replace(/\.ko.*$/, '')),
  );
  // /proc/net/ip_vs exists exactly when the ip_vs core is in the kernel.
  if (tryRead(readFile, '/proc/net/ip_vs') !== undefined) loaded.add('ip_vs');
  const missing = IPVS_MODULES.filter((m) => !loaded.has(m) && !builtin.has(m));
  if (!missing.length) return { available: true };
  return { available: false, reason: `IPVS proxier will not be used because the following required kernel modules are not loaded: [${missing.join(' ')}]` };
}

export type ProxyModeName = 'ipvs' | 'nftables' | 'iptables' | 'userspace';
type KernelMode = Exclude<ProxyModeName, 'userspace'>;

/** The order kube-proxy falls back in, from the requested mode on. */
const FALLBACK: KernelMode[] = ['ipvs', 'nftables', 'iptables'];
const PROXIER_NAME: Record<KernelMode, string> = { ipvs: 'IPVS', nftables: 'nftables', iptables: 'iptables' };

/** Lazy: a probe runs only when the modes before it were found unusable. */
export type Probes = Record<KernelMode, () => Probe | Promise<Probe>>;

export interface ModeChoice {
  mode: ProxyModeName;
  /** Why the requested mode is not the one used; absent when it is. */
  message?: string;
}

export async function chooseMode(requested: ProxyModeName, probes: Probes): Promise<ModeChoice> {
  if (requested === 'userspace') return { mode: requested };
  const why: string[] = [];
  for (const mode of FALLBACK.slice(FALLBACK.indexOf(requested))) {
    const probe = await probes[mode]();
    if (probe.available) return why.length ? { mode, message: `${why.join('; ')}; falling back to the ${mode} proxier` } : { mode };
    why.push(`can't use the ${PROXIER_NAME[mode]} proxier: ${probe.reason ?? 'not available'}`);
  }
  throw new Error(`no kernel datapath is usable: ${why.join('; ')}`);
}
