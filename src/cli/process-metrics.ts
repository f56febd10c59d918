// The server process's own figures on /metrics, as kube-apiserver serves process_* (and Go's
// heap as go_memstats_*): resident memory, CPU, and Node.js's heap by space and its external
// memory, which say where the memory of a crowded cluster goes (bench/workloads.ts reads them).

import { collectDefaultMetrics, Registry } from 'prom-client';

export function processMetrics(): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  return register;
}
