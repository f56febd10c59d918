// Which requests a workload makes of the server, from its apiserver_request_total: counts by
// verb, resource and subresource between two readings of /metrics.

import type { Tinykube } from '../../test/e2e/harness.js';

/** Counts by "VERB resource[/subresource]"; `revision` is the store's: every write counts, the
 *  in-process components' too (they call the REST storage directly, not over HTTP). */
export type Counts = Map<string, number> & { revision?: number };

export function requestCounts(t: Tinykube): Counts {
  const counts: Counts = new Map();
  counts.revision = Number(JSON.parse(t.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods?limit=1']).stdout || '{}').metadata?.resourceVersion);
  const r = t.kubectl(['get', '--raw', '/metrics']);
  for (const m of r.stdout.matchAll(/^apiserver_request_total\{verb="(\w+)",group="[^"]*",version="[^"]*",resource="([^"]*)",subresource="([^"]*)"[^}]*\} (\d+)/gm)) {
    const key = `${m[1]} ${m[2]}${m[3] ? `/${m[3]}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[4]));
  }
  return counts;
}

/** The requests made since `before`, most first ("POST events 3,950, PUT pods/status 2,103, ..."),
 *  and the store's writes. */
export function requestsSince(before: Counts, after: Counts, top = 10): string {
  const delta = [...after].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
  const total = delta.reduce((s, [, n]) => s + n, 0);
  const shown = delta.sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => `${k} ${n.toLocaleString('en')}`);
  return `${total.toLocaleString('en')} requests: ${shown.join(', ')}; ${((after.revision ?? NaN) - (before.revision ?? NaN)).toLocaleString('en')} writes in the store`;
}
