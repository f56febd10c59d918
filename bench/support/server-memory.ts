// Where the server's memory goes, from its /metrics (prom-client's process and Node.js figures):
// the V8 heap in use and held, memory outside it (Buffers, SQLite, the allocator), and the rest
// of the resident set (code, thread stacks, freed pages not yet returned).

import type { Tinykube } from '../../test/e2e/harness.js';

function gauge(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** One line: RSS = heap used + heap held unused + external + the rest, in MiB. */
export function serverMemory(t: Tinykube): string {
  const r = t.kubectl(['get', '--raw', '/metrics']);
  if (r.code !== 0) return `(no /metrics: ${r.stderr.trim()})`;
  const mib = (b: number): string => `${(b / 1048576).toFixed(0)}`;
  const rss = gauge(r.stdout, 'process_resident_memory_bytes');
  const heapTotal = gauge(r.stdout, 'nodejs_heap_size_total_bytes');
  const heapUsed = gauge(r.stdout, 'nodejs_heap_size_used_bytes');
  const external = gauge(r.stdout, 'nodejs_external_memory_bytes');
  const spaces = [...r.stdout.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)/gm)]
    .filter((m) => Number(m[2]) >= 1048576)
    .map((m) => `${m[1]} ${mib(Number(m[2]))}`);
  return `server RSS ${mib(rss)} MiB = JS heap used ${mib(heapUsed)} + heap held free ${mib(heapTotal - heapUsed)} + external ${mib(external)} + other ${mib(rss - heapTotal - external)} (code, stacks, SQLite, allocator); heap spaces held: ${spaces.join(', ')}`;
}
