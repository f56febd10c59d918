// A pino record as klog writes a structured line, the form `kubectl logs` shows for kube-proxy
// and the other Kubernetes components: `I1205 02:55:22.638000   4242 proxy] "msg" key="value"`.
// Pure: the record and the process id in, the line out.

const SEVERITY: [number, string][] = [[60, 'F'], [50, 'E'], [40, 'W'], [0, 'I']];
/** pino's own fields, not key/value pairs of the message. */
const RESERVED = new Set(['level', 'time', 'msg', 'component', 'pid', 'hostname']);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function value(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object' && 'message' in v) return JSON.stringify(String((v as { message: unknown }).message));
  return JSON.stringify(v) ?? 'null';
}

export function klogLine(rec: Record<string, unknown>, pid: number): string {
  const level = typeof rec.level === 'number' ? rec.level : 30;
  const severity = SEVERITY.find(([min]) => level >= min)![1];
  const t = new Date(typeof rec.time === 'number' ? rec.time : Date.now());
  const stamp = `${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}000`;
  const where = typeof rec.component === 'string' ? rec.component : 'main';
  const pairs = Object.entries(rec)
    .filter(([k]) => !RESERVED.has(k))
    .map(([k, v]) => ` ${k}=${value(v)}`)
    .join('');
  return `${severity}${stamp} ${String(pid).padStart(7)} ${where}] ${JSON.stringify(String(rec.msg ?? ''))}${pairs}\n`;
}
