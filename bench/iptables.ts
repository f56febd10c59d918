// iptables sync time at scale (root; rules applied only inside a throwaway `tkt-<random>` network
// namespace): N Services × E endpoints, a cold full sync (no rules of ours yet) and partial syncs
// for one-Service changes (add, endpoints changed, delete) next to them, through IptablesMode
// itself: the time in iptables-restore / iptables-save / iptables (apply) is measured by the
// Execer, the rest of apply() is rendering. Changes are medians over the rounds.
// Anchors (kube-proxy's nftables mode, the figures): 141 ms to add one Service next to
// 10,000; over 3 minutes (180 s) for a cold full sync of 10,000 × 2.
//
//   npx tsx bench/iptables.ts [--services 1000,10000] [--endpoints 2,10] [--rounds 5]

import { loadavg } from 'node:os';
import type { Execer, ExecResult } from '../src/util/execer.js';
import { IptablesMode } from '../src/proxy/modes/iptables/iptables-mode.js';
import { TRACE_POD_CIDR } from '../test/proxy/trace-cases.js';
import { benchArgs, changeRound, inThrowawayNetns, line, median, ms, scaleState, spread, timed, type ChangeKind } from './support/kernel-sync.js';

const ADD_ANCHOR = { ms: 141, what: "kube-proxy's 141 ms (nftables, add next to 10,000)" };
const COLD_ANCHOR = { ms: 180_000, what: "kube-proxy's 180 s (nftables, cold 10,000 × 2)" };

/** Runs commands through another Execer, adding up the time they take and what they were. */
class TimingExecer implements Execer {
  spent = 0;
  commands: string[] = [];
  constructor(private readonly inner: Execer) {}
  async run(argv: string[], stdin?: string): Promise<ExecResult> {
    const [r, t] = await timed(() => this.inner.run(argv, stdin));
    this.spent += t;
    this.commands.push(`${argv[0]} (${ms(t)})`);
    return r;
  }
}

/** One apply: [render ms, apply ms, what ran]. */
async function measure(mode: IptablesMode, exec: TimingExecer, f: () => Promise<void>): Promise<[number, number, string]> {
  exec.spent = 0;
  exec.commands = [];
  const [, total] = await timed(f);
  const ran = [...new Set(exec.commands.map((c) => c.split(' ')[0]))].join(' + ');
  return [total - exec.spent, exec.spent, ran || 'nothing'];
}

const { scales, rounds } = benchArgs();
const version = await inThrowawayNetns((e) => e.run(['iptables', '--version']));
console.log(`iptables sync (${version.stdout.trim()}), load average ${loadavg()[0]!.toFixed(1)}`);
for (const s of scales) {
  await inThrowawayNetns(async (netns) => {
    const exec = new TimingExecer(netns);
    const [state, tState] = await timed(() => scaleState(s));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    console.log(`${s.services} Services × ${s.endpoints} endpoints (state built in ${ms(tState)})`);
    const [render, apply, ran] = await measure(mode, exec, () => mode.apply(state));
    const cold = s.services === 10_000 && s.endpoints === 2 ? COLD_ANCHOR : undefined;
    console.log(line('cold full sync', [`render ${ms(render)}`, `apply ${ms(apply)} (${exec.commands.length} commands: ${ran})`, `total ${ms(render + apply)}`], render + apply, cold));

    const figures = new Map<ChangeKind, { render: number[]; apply: number[]; ran: string }>();
    let current = state;
    for (let r = 0; r < rounds; r++) {
      for (const [kind, next] of changeRound(current, s, r)) {
        const [tR, tA, what] = await measure(mode, exec, () => mode.apply(next));
        const f = figures.get(kind) ?? figures.set(kind, { render: [], apply: [], ran: what }).get(kind)!;
        f.render.push(tR);
        f.apply.push(tA);
        current = next;
      }
    }
    for (const [kind, f] of figures) {
      const totals = f.render.map((r, i) => r + f.apply[i]!);
      const total = median(totals);
      console.log(line(`one Service: ${kind}`, [`render ${ms(median(f.render))}`, `apply ${ms(median(f.apply))} (${f.ran})`, `total ${spread(totals)}`], total, s.services === 10_000 ? ADD_ANCHOR : undefined));
    }
    // A full resync over what is there (kube-proxy's hourly one, or after an error).
    mode.requestFullSync();
    const [rr, ra, rran] = await measure(mode, exec, () => mode.apply(current));
    console.log(line('full resync', [`render ${ms(rr)}`, `apply ${ms(ra)} (${rran})`, `total ${ms(rr + ra)}`]));
  });
}
