// Schedulers as IPVS defines them (ip_vs_*.c), choosing among the candidate endpoints of one
// connection. Pure apart from the state a scheduler keeps between picks (rr's position).
// IPVS counts inactive connections too (overhead = active*256 + inactive); a userspace
// proxy has only active ones, so overhead here is the active count.

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh', 'sed', 'nq', 'random'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export const isScheduler = (s: string): s is SchedulerName => (SCHEDULERS as readonly string[]).includes(s);

export interface Candidate {
  key: string;
  /** > 0; weight 0 endpoints (quiesced) are never candidates. */
  weight: number;
  active: number;
}

export interface PickContext {
  clientIP: string;
  /** The address the client connected to (the VIP), for dh. */
  destIP: string;
}

export interface Scheduler {
  pick(cands: readonly Candidate[], ctx: PickContext): Candidate | undefined;
}

export const DESCRIPTIONS: Record<SchedulerName, string> = {
  rr: 'round robin: each endpoint in turn',
  wrr: 'weighted round robin: in turn, proportionally to the weights',
  lc: 'least connection: the endpoint with the fewest open connections',
  wlc: 'weighted least connection: the fewest open connections per unit of weight',
  sh: 'source hashing: the same client address always to the same endpoint',
  dh: 'destination hashing: the same service address always to the same endpoint',
  sed: 'shortest expected delay: the smallest (connections+1)/weight',
  nq: 'never queue: an idle endpoint if there is one, else shortest expected delay',
  random: 'random: an endpoint chosen uniformly at random',
};

export function createScheduler(name: SchedulerName, random: () => number = Math.random): Scheduler {
  switch (name) {
    case 'rr':
      return roundRobin();
    case 'wrr':
      return weightedRoundRobin();
    case 'lc':
      return minBy((c) => c.active, () => 1);
    case 'wlc':
      return minBy((c) => c.active, (c) => c.weight);
    case 'sed':
      return minBy((c) => c.active + 1, (c) => c.weight);
    case 'nq':
      return neverQueue();
    case 'sh':
      return hashOf((ctx) => ctx.clientIP);
    case 'dh':
      return hashOf((ctx) => ctx.destIP);
    case 'random':
      return { pick: (cands) => cands[Math.floor(random() * cands.length)] };
  }
}

function roundRobin(): Scheduler {
  let next = 0;
  return {
    pick(cands) {
      if (!cands.length) return undefined;
      const c = cands[next % cands.length];
      next = (next + 1) % cands.length;
      return c;
    },
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** ip_vs_wrr: walk the list repeatedly, lowering the current weight by the gcd each round. */
function weightedRoundRobin(): Scheduler {
  let i = -1;
  let cw = 0;
  return {
    pick(cands) {
      if (!cands.length) return undefined;
      const max = Math.max(...cands.map((c) => c.weight));
      const step = cands.map((c) => c.weight).reduce(gcd);
      for (;;) {
        i = (i + 1) % cands.length;
        if (i === 0) {
          cw -= step;
          if (cw <= 0) cw = max;
        }
        if (cands[i].weight >= cw) return cands[i];
      }
    },
  };
}

/** The candidate with the smallest load/weight, compared by cross-multiplying as IPVS does; ties → first. */
function minBy(load: (c: Candidate) => number, weight: (c: Candidate) => number): Scheduler {
  return {
    pick(cands) {
      let best: Candidate | undefined;
      for (const c of cands) {
        if (!best || load(c) * weight(best) < load(best) * weight(c)) best = c;
      }
      return best;
    },
  };
}

function neverQueue(): Scheduler {
  const sed = minBy((c) => c.active + 1, (c) => c.weight);
  return { pick: (cands, ctx) => cands.find((c) => c.active === 0) ?? sed.pick(cands, ctx) };
}

/**
 * Hashes an address onto the candidates. Weighted rendezvous hashing rather than IPVS's
 * 256-bucket table: the same address keeps its endpoint, and adding or removing one endpoint
 * moves only the addresses that belong to it.
 */
function hashOf(addr: (ctx: PickContext) => string): Scheduler {
  return {
    pick(cands, ctx) {
      let best: Candidate | undefined;
      let bestScore = -Infinity;
      const a = addr(ctx);
      for (const c of cands) {
        const u = (fnv1a(`${a}|${c.key}`) + 0.5) / 2 ** 32;
        const score = -c.weight / Math.log(u);
        if (score > bestScore) [best, bestScore] = [c, score];
      }
      return best;
    },
  };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
