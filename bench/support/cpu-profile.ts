// Where the time goes: a V8 CPU profile of this process around some work, summed by function
// (self time), for benchmarks to print beside their figures.

import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Runs fn under the profiler; returns its result and the top functions by self time, in percent. */
export async function profile<T>(fn: () => Promise<T>, top = 12): Promise<{ result: T; lines: string[] }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let result: T;
  let p: { nodes: ProfileNode[]; samples: number[] };
  try {
    result = await fn();
  } finally {
    p = ((await session.post('Profiler.stop')) as { profile: typeof p }).profile;
    session.disconnect();
  }
  const byNode = new Map<number, number>();
  for (const id of p.samples) byNode.set(id, (byNode.get(id) ?? 0) + 1);
  const byFunction = new Map<string, number>();
  for (const n of p.nodes) {
    const self = byNode.get(n.id) ?? 0;
    if (!self) continue;
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const name = `${f.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + self);
  }
  const total = p.samples.length || 1;
  const lines = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => `${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
  return { result, lines };
}
