// Render (and, as root, apply in a throwaway netns) time at scale: N Services × 2–10 endpoints,
// a full sync and a one-Service change. `npx tsx bench/nftables.ts [N...]`
// Anchor: kube-proxy's nftables mode took 141 ms to add one Service next to 10,000.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { stateFromObjects } from '../src/proxy/state/build-state.js';
import { service, slice } from '../src/proxy/testing/objects.js';
import { TRACE_NODE, TRACE_POD_CIDR } from '../src/proxy/modes/trace-cases.js';
import { NetnsExecer } from '../src/proxy/modes/execer.js';
import { buildRuleset, type BuildCache } from '../src/proxy/modes/nftables/build.js';
import { renderChange, renderFull } from '../src/proxy/modes/nftables/render.js';

const OPTS = { podCIDR: TRACE_POD_CIDR };
const ip = (n: number, base: number): string => `10.${base + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;

function objects(n: number) {
  const svcs = [];
  const slices = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    svcs.push(service(name, { clusterIP: ip(i, 96), clusterIPs: [ip(i, 96)] }));
    const eps = Array.from({ length: 2 + (i % 9) }, (_, k) => ({ ip: ip(i * 10 + k, 200), node: k % 2 ? 'node-2' : 'node-1' }));
    slices.push(slice(name, eps));
  }
  return { svcs, slices };
}

const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
};

const ns = process.getuid?.() === 0 ? `tinykube-test-${randomBytes(4).toString('hex')}` : undefined;
const host = new NetnsExecer();
async function apply(text: string): Promise<number> {
  const t = performance.now();
  const r = await new NetnsExecer(ns).run(['nft', '-f', '-'], text);
  if (r.code !== 0) throw new Error(r.stderr);
  return performance.now() - t;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
if (ns) await host.run(['ip', 'netns', 'add', ns]);
try {
  for (const n of (process.argv.slice(2).length ? process.argv.slice(2) : ['1000', '10000']).map(Number)) {
    const { svcs, slices } = objects(n);
    const before = stateFromObjects(svcs, slices, TRACE_NODE);
    // One more Service; the others keep their objects, as in the proxy's maps.
    const extra = objects(n + 1);
    const added = [...stateFromObjects(extra.svcs.slice(n), extra.slices.slice(n), TRACE_NODE).ports][0]!;
    const after = { ...before, ports: new Map([...before.ports, added]) };
    const cache: BuildCache = new WeakMap();
    const [prev, tBuild] = time(() => buildRuleset(before, OPTS, cache));
    const [full, tFull] = time(() => renderFull(prev));
    const [change, tChange] = time(() => renderChange(prev, buildRuleset(after, OPTS, cache)));
    let line = `${n} services: build ${ms(tBuild)}, full text ${ms(tFull)} (${(full.length / 1e6).toFixed(1)} MB), one-service change: build + diff ${ms(tChange)} (${change.split('\n').length - 1} commands)`;
    if (ns) line += `; nft apply: full ${ms(await apply(full))}, change ${ms(await apply(change))}`;
    console.log(line);
  }
} finally {
  if (ns) await host.run(['ip', 'netns', 'del', ns]);
}
