// The probes chooseMode() runs, lazily, in kube-proxy's fallback order: IPVS from the kernel's
// modules; nftables and iptables by running their tools where the rules would go — the version
// shows the tool is installed, a listing that it may touch this namespace's rules (CAP_NET_ADMIN).

import { detectIpvs, type Probe, type Probes } from './modes/ipvs/detect.js';
import type { Execer } from '../util/execer.js';

async function runs(exec: Execer, ...commands: string[][]): Promise<Probe> {
  for (const argv of commands) {
    const r = await exec.run(argv);
    if (r.code !== 0) return { available: false, reason: `${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || 'no output'}` };
  }
  return { available: true };
}

export function kernelProbes(exec: Execer, ipvs: () => Probe = detectIpvs): Probes {
  return {
    ipvs: () => {
      const p = ipvs();
      // Detected, but there is no IPVS datapath in tinykube to use it.
      return p.available ? { available: false, reason: 'the kernel has IP_VS, but tinykube has no IPVS datapath' } : p;
    },
    nftables: () => runs(exec, ['nft', '--version'], ['nft', 'list', 'tables']),
    iptables: () => runs(exec, ['iptables-restore', '--version'], ['iptables-save', '-t', 'nat']),
  };
}

/**
 * Whether `mode` can program IPv6 where the rules go (a dual-stack node's second proxier): the
 * namespace has IPv6, and nft accepts an ip6 table (checked, not made) or ip6tables runs.
 */
export async function ipv6Probe(exec: Execer, mode: 'nftables' | 'iptables'): Promise<Probe> {
  const sysctl = await exec.run(['cat', '/proc/sys/net/ipv6/conf/all/disable_ipv6']);
  if (sysctl.code !== 0 || sysctl.stdout.trim() !== '0') return { available: false, reason: sysctl.code ? 'the kernel has no IPv6' : 'IPv6 is disabled (net.ipv6.conf.all.disable_ipv6)' };
  return mode === 'nftables' ? runs(exec, ['nft', '--check', 'add', 'table', 'ip6', 'tinykube']) : runs(exec, ['ip6tables-restore', '--version'], ['ip6tables-save', '-t', 'nat']);
}
