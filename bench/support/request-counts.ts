// Which requests a workload makes of the server, from its apiserver_request_total: counts by
// verb, resource and subresource between two readings of /metrics.

import type { Tinykube } from '../../test/e2e/harness.js';

export type Counts = Map<string, number>;

export function requestCounts(t: Tinykube): Counts {
  const counts: Counts = new Map();
  const r = t.kubectl(['get', '--raw', '/metrics']);
  for (const m of r.stdout.matchAll(/^apiserver_request_total\{verb="(\w+)",group="[^"]*",version="[^"]*",resource="([^"]*)",subresource="([^"]*)"[^}]*\} (\d+)/gm)) {
    const key = `${m[1]} ${m[2]}${m[3] ? `/${m[3]}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[4]));
  }
  return counts;
}

/** The requests made since `before`, most first: "PUT pods/status 2,103, POST events 3,950, ...". */
export function requestsSince(before: Counts, after: Counts, top = 10): string {
  const delta = [...after].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
  const total = delta.reduce((s, [, n]) => s + n, 0);
  const shown = delta.sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => `${k} ${n.toLocaleString('en')}`);
  return `${total.toLocaleString('en')} requests: ${shown.join(', ')}`;
}
