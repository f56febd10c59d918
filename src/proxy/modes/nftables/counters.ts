// Reading the endpoints' named counters (connections, bytes): `nft -j list counters table ip
// NAME` (or ip6), one command whatever the number of Services, parsed here (pure) from nft's JSON.

import type { RuleCounts } from '../rule-counters.js';

interface NftJson {
  nftables?: { counter?: { name: string; packets: number; bytes: number } }[];
}

/** `table` as render.ts's tableName gives it: `ip tinykube` or `ip6 tinykube`. */
export const listCountersArgv = (table: string): string[] => ['nft', '-j', 'list', 'counters', 'table', ...table.split(' ')];

export function parseNftCounters(json: string): RuleCounts {
  const doc = JSON.parse(json) as NftJson;
  return new Map((doc.nftables ?? []).flatMap(({ counter: c }) => (c ? [[c.name, { packets: c.packets, bytes: c.bytes }] as const] : [])));
}
