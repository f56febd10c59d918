// Reading the KUBE-SEP chains' DNAT rule counters from `iptables-save -c -t nat` (one command
// whatever the number of Services), parsed here (pure): `[packets:bytes] -A KUBE-SEP-… -j DNAT`.
// The packets are connections (nat sees a connection's first packet only); no bytes are counted
// in this mode (../rule-counters.ts says why).

import type { RuleCounts } from '../rule-counters.js';
import { SEP_PREFIX } from './chain-names.js';

/** The nat table with its counters, from `iptables` or `ip6tables`. */
export const saveCounters = (tool = 'iptables'): string[] => [`${tool}-save`, '-c', '-t', 'nat'];

const DNAT_RULE = new RegExp(`^\\[(\\d+):(\\d+)\\] -A (${SEP_PREFIX}\\S+) .*-j DNAT\\b`);

export function parseSepCounters(saved: string): RuleCounts {
  const out: RuleCounts = new Map();
  for (const line of saved.split('\n')) {
    const m = DNAT_RULE.exec(line);
    if (m) out.set(m[3]!, { packets: Number(m[1]), bytes: Number(m[2]) });
  }
  return out;
}
