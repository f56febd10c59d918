// How far V8 lets the heap of a long-running tinykube process grow between full collections.
//
// After each full GC, V8 sets the next one's trigger at what survived times a growing factor.
// On a machine with room for a 2 GiB+ heap that factor goes up to 4, tuned for throughput: a
// control plane that keeps about 140 MiB live through a burst of 2,000 pods grew its old space to
// 400 MiB and then held it, unused, until its memory reducer ran 20-40 s after the burst. A
// fixed factor of 1.5 keeps the old space near the live set. The flag is read at every full GC,
// so setting it at start-up is enough; an operator's own choice (NODE_OPTIONS or node's flags)
// wins. Flags are per process: the DNS worker threads get it too (their heaps are small).

import { setFlagsFromString } from 'node:v8';

/** The growing factor, as V8's flag takes it: 1 + percent / 100. */
export const HEAP_GROWING_PERCENT = 50;

/** V8 flags that already say how the heap grows. */
const OWN_CHOICE = /--(heap[-_]growing[-_]percent|optimize[-_]for[-_]size)\b/;

/** The V8 flags to set, given the process's node flags and NODE_OPTIONS: none if they choose. */
export function heapPolicyFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  if ([...execArgv, nodeOptions].some((a) => OWN_CHOICE.test(a))) return [];
  return [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`];
}

/** Applies the policy to this process (the commands that run until stopped call it first). */
export function applyHeapPolicy(): void {
  for (const flag of heapPolicyFlags(process.execArgv, process.env.NODE_OPTIONS)) setFlagsFromString(flag);
}
