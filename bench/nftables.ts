// nftables sync time at scale (root; rules applied only inside a throwaway `tkt-<random>` network
// namespace): N Services × E endpoints, a cold full sync (no table yet) and one-Service changes
// (add, endpoints changed, delete) next to them, as NftablesMode does them: render (TableSync)
// then one `nft -f -`. `nft --check -f -` (parse, cache, kernel prepare, then abort) is timed on
// the same text so the commit's share shows; changes are medians over the rounds.
// Anchors: kube-proxy's nftables mode took 141 ms to add one Service next to 10,000 and over
// 3 minutes (180 s) for a cold full sync of 10,000 × 2.
//
//   npx tsx bench/nftables.ts [--services 1000,10000] [--endpoints 2,10] [--rounds 5]

import { loadavg } from 'node:os';
import type { Execer } from '../src/util/execer.js';
import { TableSync } from '../src/proxy/modes/nftables/table-sync.js';
import { TRACE_POD_CIDR } from '../test/proxy/trace-cases.js';
import { benchArgs, changeRound, inThrowawayNetns, line, median, ms, scaleState, spread, timed, type ChangeKind } from './support/kernel-sync.js';

const OPTS = { podCIDR: TRACE_POD_CIDR };
const ADD_ANCHOR = { ms: 141, what: "kube-proxy's 141 ms (add next to 10,000)" };
const COLD_ANCHOR = { ms: 180_000, what: "kube-proxy's 180 s (cold 10,000 × 2)" };

async function nft(exec: Execer, args: string[], text: string): Promise<number> {
  const [r, t] = await timed(() => exec.run(['nft', ...args], text));
  if (r.code !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr.slice(0, 500)}`);
  return t;
}

const { scales, rounds } = benchArgs();
console.log(`nftables sync (nft ${(await inThrowawayNetns((e) => e.run(['nft', '--version']))).stdout.trim()}), load average ${loadavg()[0]!.toFixed(1)}`);
await inThrowawayNetns(async (exec) => {
  for (const s of scales) {
    const [state, tState] = await timed(() => scaleState(s));
    const table = new TableSync(OPTS);
    await exec.run(['nft', 'delete', 'table', 'ip', 'tinykube']);
    const [full, tRender] = await timed(() => table.full(state));
    const tCheck = await nft(exec, ['--check', '-f', '-'], full);
    const tApply = await nft(exec, ['-f', '-'], full);
    console.log(`${s.services} Services × ${s.endpoints} endpoints (state built in ${ms(tState)})`);
    const cold = s.services === 10_000 && s.endpoints === 2 ? COLD_ANCHOR : undefined;
    console.log(line('cold full sync', [`render ${ms(tRender)} (${(full.length / 1e6).toFixed(1)} MB)`, `nft --check ${ms(tCheck)}`, `nft -f ${ms(tApply)}`, `total ${ms(tRender + tApply)}`], tRender + tApply, cold));

    const figures = new Map<ChangeKind, { render: number[]; check: number[]; apply: number[]; commands: number }>();
    let current = state;
    for (let r = 0; r < rounds; r++) {
      for (const [kind, next] of changeRound(current, s, r)) {
        const [text, tR] = await timed(() => table.change(next));
        const f = figures.get(kind) ?? figures.set(kind, { render: [], check: [], apply: [], commands: 0 }).get(kind)!;
        f.render.push(tR);
        f.check.push(await nft(exec, ['--check', '-f', '-'], text));
        f.apply.push(await nft(exec, ['-f', '-'], text));
        f.commands = text.split('\n').length - 1;
        current = next;
      }
    }
    for (const [kind, f] of figures) {
      const totals = f.render.map((r, i) => r + f.apply[i]!);
      const total = median(totals);
      const parts = [`render ${ms(median(f.render))} (${f.commands} commands)`, `nft --check ${ms(median(f.check))}`, `nft -f ${ms(median(f.apply))}`, `total ${spread(totals)}`];
      console.log(line(`one Service: ${kind}`, parts, total, s.services === 10_000 ? ADD_ANCHOR : undefined));
    }
  }
});
