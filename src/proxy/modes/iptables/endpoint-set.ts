// The iptables mode's byte counts: one ipset per family (`hash:ip,port … counters`), one element
// per endpoint `ip,proto:port`. Two rules in KUBE-ENDPOINT-BYTES match a DNATed packet against it
// (one hash lookup whatever the number of endpoints), and the kernel adds the packet's length to
// the matched element's counter. Pure here: the `ipset restore` script that takes the kernel's
// set from the elements it holds to the state's (adds and dels only, so the other elements keep
// their counts), and the parsing of `ipset save`.

import type { IPFamily } from '../../state/family.js';
import { IPV4 } from '../../state/family.js';
import type { EndpointInfo, ProxyState } from '../../state/types.js';
import type { RuleCounts } from '../rule-counters.js';

/** One set per family: a dual-stack node runs one iptables mode each. */
export const endpointSetName = (family: IPFamily = IPV4): string => (family.name === 'IPv6' ? 'tinykube-endpoints6' : 'tinykube-endpoints');

/** ipset's element for an endpoint: `10.244.1.5,tcp:8080` (IPv6 unbracketed). */
export const setElement = (ep: EndpointInfo, protocol: string): string => `${ep.ip},${protocol.toLowerCase()}:${ep.port}`;

/** Every endpoint of the state's service ports in `family`: service ports sharing one share its element. */
export function stateElements(state: ProxyState, family: IPFamily = IPV4): Set<string> {
  const out = new Set<string>();
  for (const { service, endpoints } of state.ports.values()) {
    for (const ep of endpoints) if (family.has(ep.ip)) out.add(setElement(ep, service.protocol));
  }
  return out;
}

/** maxelem: ipset's default (65,536) is below 10,000 Services × 10 endpoints; memory grows with use. */
const MAX_ELEMENTS = 1 << 20;

/** The `ipset restore -exist` script creating the set if absent, adding what `want` has and `have` lacks, deleting the rest. */
export function renderSetSync(name: string, family: IPFamily, have: ReadonlySet<string>, want: ReadonlySet<string>): string {
  const lines = [`create ${name} hash:ip,port family ${family.name === 'IPv6' ? 'inet6' : 'inet'} maxelem ${MAX_ELEMENTS} counters`];
  for (const e of want) if (!have.has(e)) lines.push(`add ${name} ${e}`);
  for (const e of have) if (!want.has(e)) lines.push(`del ${name} ${e}`);
  return lines.map((l) => `${l}\n`).join('');
}

/** `ipset save NAME`'s elements with their counters (`add NAME ip,proto:port packets N bytes M`). */
export function parseSetCounters(saved: string): RuleCounts {
  const out: RuleCounts = new Map();
  for (const line of saved.split('\n')) {
    const m = /^add \S+ (\S+)(?: packets (\d+) bytes (\d+))?/.exec(line);
    if (m) out.set(m[1]!, { packets: Number(m[2] ?? 0), bytes: Number(m[3] ?? 0) });
  }
  return out;
}
