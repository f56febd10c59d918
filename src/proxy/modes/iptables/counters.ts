// Reading the endpoints' counters from one `iptables-save -c` (whatever the number of Services),
// parsed here (pure): connections are the packets of each KUBE-SEP chain's DNAT rule (nat:
// `[packets:bytes] -A KUBE-SEP-… -j DNAT`), bytes those of the endpoint's rules in
// KUBE-ENDPOINT-BYTES (filter), named by their comment and summed (ports sharing an endpoint
// write the same rule; the first one counts).

import type { RuleCounts } from '../rule-counters.js';
import { SEP_PREFIX } from './chain-names.js';
import { KUBE_ENDPOINT_BYTES } from './render.js';

/** The filter and nat tables with their counters, from `iptables` or `ip6tables`. */
export const saveCounters = (tool = 'iptables'): string[] => [`${tool}-save`, '-c'];

const DNAT_RULE = new RegExp(`^\\[(\\d+):(\\d+)\\] -A (${SEP_PREFIX}\\S+) .*-j DNAT\\b`);
const BYTES_RULE = new RegExp(`^\\[(\\d+):(\\d+)\\] -A ${KUBE_ENDPOINT_BYTES} .*--comment "?([^" ]+)"?`);

export function parseSepCounters(saved: string): RuleCounts {
  const out: RuleCounts = new Map();
  for (const line of saved.split('\n')) {
    const m = DNAT_RULE.exec(line) ?? BYTES_RULE.exec(line);
    if (!m) continue;
    const was = out.get(m[3]!) ?? { packets: 0, bytes: 0 };
    out.set(m[3]!, { packets: was.packets + Number(m[1]), bytes: was.bytes + Number(m[2]) });
  }
  return out;
}
