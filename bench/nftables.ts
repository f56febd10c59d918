// nftables sync time at scale (root; rules applied only inside a throwaway `tkt-<random>` network
// namespace): N Services × E endpoints, a cold full sync (no table yet) and one-Service changes
// (add, endpoints changed, delete) next to them, as NftablesMode does them: render (TableSync)
// then one `nft -f -`. `nft --check -f -` (parse, cache, kernel prepare, then abort) is timed on
// the same text so the commit's share shows; changes are medians over the rounds.
// Each scale runs single-stack, then dual-stack (every Service in both families) as NftablesMode
// does it: the `ip` and the `ip6` table each rendered by its TableSync, both texts applied in one
// `nft -f -`; the dual-stack lines end with their ratio to the single-stack run.
// Anchors: kube-proxy's nftables mode took 141 ms to add one Service next to 10,000 and over
// 3 minutes (180 s) for a cold full sync of 10,000 × 2.
//
//   npx tsx bench/nftables.ts [--services 1000,10000] [--endpoints 2,10] [--rounds 5]

import { loadavg } from 'node:os';
import type { Execer } from '../src/util/execer.js';
import type { BuildOptions } from '../src/proxy/modes/nftables/build.js';
import { TableSync } from '../src/proxy/modes/nftables/table-sync.js';
import { IPV6 } from '../src/proxy/state/family.js';
import { DS_POD_CIDR6 } from '../test/proxy/dual-stack-state.js';
import { TRACE_POD_CIDR } from '../test/proxy/trace-cases.js';
import { benchArgs, changeRound, inThrowawayNetns, line, median, ms, scaleState, spread, timed, type ChangeKind, type Scale } from './support/kernel-sync.js';

const OPTS: BuildOptions = { podCIDR: TRACE_POD_CIDR };
const OPTS6: BuildOptions = { podCIDR: DS_POD_CIDR6, family: IPV6 };
const ADD_ANCHOR = { ms: 141, what: "kube-proxy's 141 ms (add next to 10,000)" };
const COLD_ANCHOR = { ms: 180_000, what: "kube-proxy's 180 s (cold 10,000 × 2)" };

/** One sync's figures: render summed over the tables, one nft transaction for all of them. */
interface Sync {
  render: number;
  check: number;
  apply: number;
  commands: number;
  bytes: number;
}

/** Renders with each table, then applies the texts as one transaction (`--check` first, timed apart). */
async function sync(exec: Execer, render: (t: TableSync) => string, tables: TableSync[]): Promise<Sync> {
  const [text, tR] = await timed(() => tables.map(render).join(''));
  const out: Sync = { render: tR, check: 0, apply: 0, commands: text.split('\n').length - 1, bytes: text.length };
  if (!text) return out;
  out.check = await nft(exec, ['--check', '-f', '-'], text);
  out.apply = await nft(exec, ['-f', '-'], text);
  return out;
}

async function nft(exec: Execer, args: string[], text: string): Promise<number> {
  const [r, t] = await timed(() => exec.run(['nft', ...args], text));
  if (r.code !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr.slice(0, 500)}`);
  return t;
}

/** Totals (render + nft -f) of one stack: cold, and the median of each kind of change. */
type Totals = Map<'cold' | ChangeKind, number>;

async function measure(exec: Execer, s: Scale, single?: Totals): Promise<Totals> {
  const totals: Totals = new Map();
  const ratio = (k: 'cold' | ChangeKind, total: number): string => (single ? `; ${(total / single.get(k)!).toFixed(2)} × single-stack` : '');
  const [state, tState] = await timed(() => scaleState(s));
  const tables = (s.dualStack ? [OPTS, OPTS6] : [OPTS]).map((o) => new TableSync(o));
  for (const family of ['ip', 'ip6']) await exec.run(['nft', 'delete', 'table', family, 'tinykube']);
  const cold = await sync(exec, (t) => t.full(state), tables);
  totals.set('cold', cold.render + cold.apply);
  console.log(`${s.services} Services × ${s.endpoints} endpoints, ${s.dualStack ? 'dual-stack (ip + ip6 tables, one transaction)' : 'single-stack'} (state built in ${ms(tState)})`);
  const coldAnchor = s.services === 10_000 && s.endpoints === 2 ? COLD_ANCHOR : undefined;
  console.log(
    line('cold full sync', [`render ${ms(cold.render)} (${(cold.bytes / 1e6).toFixed(1)} MB)`, `nft --check ${ms(cold.check)}`, `nft -f ${ms(cold.apply)}`, `total ${ms(cold.render + cold.apply)}${ratio('cold', cold.render + cold.apply)}`], cold.render + cold.apply, coldAnchor),
  );

  const figures = new Map<ChangeKind, Sync[]>();
  let current = state;
  for (let r = 0; r < rounds; r++) {
    for (const [kind, next] of changeRound(current, s, r)) {
      (figures.get(kind) ?? figures.set(kind, []).get(kind)!).push(await sync(exec, (t) => t.change(next), tables));
      current = next;
    }
  }
  for (const [kind, f] of figures) {
    const all = f.map((x) => x.render + x.apply);
    const total = median(all);
    totals.set(kind, total);
    const med = (k: keyof Sync): number => median(f.map((x) => x[k]));
    const parts = [`render ${ms(med('render'))} (${f.at(-1)!.commands} commands)`, `nft --check ${ms(med('check'))}`, `nft -f ${ms(med('apply'))}`, `total ${spread(all)}${ratio(kind, total)}`];
    console.log(line(`one Service: ${kind}`, parts, total, s.services === 10_000 ? ADD_ANCHOR : undefined));
  }
  return totals;
}

const { scales, rounds } = benchArgs();
console.log(`nftables sync (nft ${(await inThrowawayNetns((e) => e.run(['nft', '--version']))).stdout.trim()}), load average ${loadavg()[0]!.toFixed(1)}`);
await inThrowawayNetns(async (exec) => {
  for (const s of scales) {
    const single = await measure(exec, s);
    await measure(exec, { ...s, dualStack: true }, single);
  }
});
