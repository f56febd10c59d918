// The kubelet's /metrics/resource text (Prometheus exposition format 0.0.4): rendered by the
// node from its sample (node/resource-usage.ts), parsed back by the API server's scraper, as
// metrics-server reads it.

export interface Usage {
  cpuSeconds: number;
  memoryBytes: number;
}

export interface ContainerUsage extends Usage {
  namespace: string;
  pod: string;
  container: string;
  /** Unix seconds. */
  startTime: number;
  /** The container's main process, where the node measured it (not rendered). */
  pid?: number;
}

export interface UsageSample {
  timestampMs: number;
  node: Usage;
  containers: ContainerUsage[];
}

const HELP: [string, string, string][] = [
  ['container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds'],
  ['container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes'],
  ['container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds'],
  ['node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds'],
  ['node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes'],
  ['pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds'],
  ['pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes'],
  ['resource_scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise'],
];

const labels = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}`;

/** The kubelet's /metrics/resource text (Prometheus exposition format 0.0.4) for a sample. */
export function renderResourceMetrics(s: UsageSample): string {
  const t = s.timestampMs;
  const lines = new Map<string, string[]>(HELP.map(([name]) => [name, []]));
  const add = (name: string, l: Record<string, string>, v: number, at: number | null = t): void => {
    lines.get(name)!.push(`${name}${Object.keys(l).length ? labels(l) : ''} ${v}${at === null ? '' : ` ${at}`}`);
  };
  const pods = new Map<string, { namespace: string; pod: string } & Usage>();
  for (const c of s.containers) {
    const l = { container: c.container, namespace: c.namespace, pod: c.pod };
    add('container_cpu_usage_seconds_total', l, c.cpuSeconds);
    add('container_memory_working_set_bytes', l, c.memoryBytes);
    add('container_start_time_seconds', l, c.startTime);
    const key = `${c.namespace}/${c.pod}`;
    const p = pods.get(key) ?? { namespace: c.namespace, pod: c.pod, cpuSeconds: 0, memoryBytes: 0 };
    p.cpuSeconds += c.cpuSeconds;
    p.memoryBytes += c.memoryBytes;
    pods.set(key, p);
  }
  add('node_cpu_usage_seconds_total', {}, s.node.cpuSeconds);
  add('node_memory_working_set_bytes', {}, s.node.memoryBytes);
  for (const p of pods.values()) {
    add('pod_cpu_usage_seconds_total', { namespace: p.namespace, pod: p.pod }, p.cpuSeconds);
    add('pod_memory_working_set_bytes', { namespace: p.namespace, pod: p.pod }, p.memoryBytes);
  }
  add('resource_scrape_error', {}, 0, null);
  return HELP.map(([name, type, help]) => [`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`, ...lines.get(name)!].join('\n')).join('\n') + '\n';
}


const SAMPLE = /^(\w+)(?:\{(.*)\})? (\S+)(?: (\d+))?$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** The sample a /metrics/resource text holds; its time is the newest timestamp in it. */
export function parseResourceMetrics(text: string, receivedMs: number): UsageSample {
  const node: Usage = { cpuSeconds: 0, memoryBytes: 0 };
  const containers = new Map<string, ContainerUsage>();
  let timestampMs = 0;
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, name, labelText = '', value, at] = m;
    const l = Object.fromEntries([...labelText.matchAll(LABEL)].map(([, k, v]) => [k!, v!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))]));
    if (at) timestampMs = Math.max(timestampMs, Number(at));
    const v = Number(value);
    if (name === 'node_cpu_usage_seconds_total') node.cpuSeconds = v;
    else if (name === 'node_memory_working_set_bytes') node.memoryBytes = v;
    else if (name!.startsWith('container_')) {
      const key = `${l.namespace}/${l.pod}/${l.container}`;
      const c = containers.get(key) ?? { namespace: l.namespace ?? '', pod: l.pod ?? '', container: l.container ?? '', cpuSeconds: 0, memoryBytes: 0, startTime: 0 };
      if (name === 'container_cpu_usage_seconds_total') c.cpuSeconds = v;
      else if (name === 'container_memory_working_set_bytes') c.memoryBytes = v;
      else if (name === 'container_start_time_seconds') c.startTime = v;
      containers.set(key, c);
    }
  }
  return { timestampMs: timestampMs || receivedMs, node, containers: [...containers.values()] };
}
