// What the kernel-mode sync benchmarks (bench/nftables.ts, bench/iptables.ts) share: a throwaway
// network namespace to apply in, the scales and one-Service changes they measure, timing and the
// printed lines with kube-proxy's anchors as ratios. (bench/support/ is not run by itself.)

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NetnsExecer } from '../../src/util/execer.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { manyServices, withoutService, withService } from '../../test/proxy/many-services.js';
import { TRACE_NODE } from '../../test/proxy/trace-cases.js';

export interface Scale {
  services: number;
  endpoints: number;
  /** Every Service in both families (an IPv6 ClusterIP and IPv6 endpoints too). */
  dualStack?: boolean;
}

/** `--services 1000,10000 --endpoints 2,10 --rounds 5`: every pair, changes repeated `rounds` times. */
export function benchArgs(): { scales: Scale[]; rounds: number } {
  const { values } = parseArgs({
    options: { services: { type: 'string', default: '1000,10000' }, endpoints: { type: 'string', default: '2,10' }, rounds: { type: 'string', default: '5' } },
  });
  const list = (s: string): number[] => s.split(',').map(Number);
  const scales = list(values.services!).flatMap((services) => list(values.endpoints!).map((endpoints) => ({ services, endpoints })));
  return { scales, rounds: Number(values.rounds) };
}

/** Runs `fn` with an Execer inside a fresh `tkt-<random>` namespace, deleted afterwards whatever happens. */
export async function inThrowawayNetns<T>(fn: (exec: NetnsExecer) => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) throw new Error('this benchmark needs root: it applies rules in a network namespace it creates');
  const name = `tkt-${randomBytes(4).toString('hex')}`;
  const host = new NetnsExecer();
  const made = await host.run(['ip', 'netns', 'add', name]);
  if (made.code !== 0) throw new Error(`ip netns add ${name}: ${made.stderr}`);
  try {
    return await fn(new NetnsExecer(name));
  } finally {
    await host.run(['ip', 'netns', 'del', name]);
  }
}

export async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `median (best min)`: on a shared machine the best run is the cost without others' load. */
export const spread = (xs: number[]): string => `${ms(median(xs))} (best ${ms(Math.min(...xs))})`;

export const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);

/** The starting state of a scale: svc-0 … svc-(N-1), each with the same number of endpoints. */
export const scaleState = (s: Scale): ProxyState =>
  manyServices(s.services, () => s.endpoints, s.dualStack ? { ...TRACE_NODE, nodePortIPs: [...TRACE_NODE.nodePortIPs, 'fd00:20::1'] } : TRACE_NODE, s.dualStack);

export type ChangeKind = 'add' | 'endpoints' | 'delete';

/** Round r's three one-Service changes, each state following the one before. */
export function changeRound(base: ProxyState, s: Scale, r: number): [ChangeKind, ProxyState][] {
  const added = withService(base, s.services + r, s.endpoints, s.dualStack);
  const endpoints = withService(added, r, Math.max(1, s.endpoints - 1 - (r % 2)), s.dualStack);
  return [
    ['add', added],
    ['endpoints', endpoints],
    ['delete', withoutService(endpoints, s.services + r)],
  ];
}

/** One printed line: the figures, then `= RATIO × anchor` when an anchor applies. */
export function line(label: string, parts: string[], total?: number, anchor?: { ms: number; what: string }): string {
  const ratio = total !== undefined && anchor ? `  = ${(total / anchor.ms).toFixed(3)} × ${anchor.what}` : '';
  return `  ${label.padEnd(24)} ${parts.join(', ')}${ratio}`;
}
