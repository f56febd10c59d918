// What the kernel modes' per-endpoint counters cost (root; rules applied only inside a throwaway
// `tkt-<random>` network namespace), at N Services × E endpoints:
// - nftables, sync: a cold full sync with the named counters next to the same table without
//   them (the counters' share of `nft -f`);
// - nftables, read (once a second per node while the live page is open): `nft -j list counters`
//   + parse + mapping onto the state, next to `nft -j list table` (what inline `counter`
//   statements would have to be read with);
// - iptables, read: `iptables-save -c -t nat` + parse + mapping, next to `iptables -L -v -x -n
//   -t nat` (the other listing with counts).
// Medians over the rounds.
//
//   npx tsx bench/rule-counters.ts [--services 1000,10000] [--endpoints 2] [--rounds 5]

import { loadavg } from 'node:os';
import type { Execer } from '../src/util/execer.js';
import { endpointTraffic } from '../src/proxy/modes/rule-counters.js';
import { listCountersArgv, parseNftCounters } from '../src/proxy/modes/nftables/counters.js';
import { DEFAULT_TABLE } from '../src/proxy/modes/nftables/names.js';
import { NFT_COUNTERS } from '../src/proxy/modes/nftables/nftables-mode.js';
import { IPTABLES_COUNTERS } from '../src/proxy/modes/iptables/iptables-mode.js';
import { renderNftables } from '../src/proxy/modes/nftables/render.js';
import { parseSepCounters, saveCounters } from '../src/proxy/modes/iptables/counters.js';
import { renderIptables } from '../src/proxy/modes/iptables/render.js';
import { TRACE_POD_CIDR } from '../test/proxy/trace-cases.js';
import { benchArgs, inThrowawayNetns, line, median, ms, scaleState, timed } from './support/kernel-sync.js';

const OPTS = { podCIDR: TRACE_POD_CIDR };

async function run(exec: Execer, argv: string[], stdin?: string): Promise<string> {
  const r = await exec.run(argv, stdin);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.slice(0, 500)}`);
  return r.stdout;
}

async function rounds(n: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await timed(f))[1]);
  return median(times);
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

const { scales, rounds: n } = benchArgs();
console.log(`rule counters, load average ${loadavg()[0]!.toFixed(1)}, ${n} rounds`);
await inThrowawayNetns(async (exec) => {
  for (const s of scales) {
    const state = scaleState(s);
    console.log(`${s.services} Services × ${s.endpoints} endpoints`);
    const table = renderNftables(state, OPTS);
    const plain = table.replace(/\tcounter \S+ \{\n\t\}\n/g, '').replace(/ counter name \S+/g, '');
    const apply = (text: string) => rounds(n, () => run(exec, ['nft', '-f', '-'], text));
    const [withCounters, without] = [await apply(table), await apply(plain)];
    console.log(line('nftables full sync', [`with counters ${ms(withCounters)}`, `without ${ms(without)}`, `${ratio(withCounters, without)}`]));
    await run(exec, ['nft', '-f', '-'], table);
    const read = await rounds(n, async () => endpointTraffic(state, NFT_COUNTERS, parseNftCounters(await run(exec, listCountersArgv(DEFAULT_TABLE)))));
    const listTable = await rounds(n, () => run(exec, ['nft', '-j', 'list', 'table', 'ip', DEFAULT_TABLE]));
    console.log(line('nftables read', [`list counters + parse ${ms(read)}`, `list table ${ms(listTable)}`, `${ratio(read, listTable)}`]));
    await run(exec, ['nft', 'delete', 'table', 'ip', DEFAULT_TABLE]);

    await run(exec, ['iptables-restore', '--noflush'], renderIptables(state, OPTS));
    const save = await rounds(n, async () => endpointTraffic(state, IPTABLES_COUNTERS, parseSepCounters(await run(exec, saveCounters()))));
    const list = await rounds(n, () => run(exec, ['iptables', '-t', 'nat', '-L', '-v', '-x', '-n']));
    console.log(line('iptables read', [`iptables-save -c + parse ${ms(save)}`, `iptables -L -v -x ${ms(list)}`, `${ratio(save, list)}`]));
    await run(exec, ['iptables', '-t', 'nat', '-F']);
  }
});
