// Container logs: where the agent writes them, and `GET pods/NAME/log` (KUBECTL-API.md §10.2).
// Each run of a container has its own file, `<restartCount>.log`, so `previous=true` is the file
// before the newest. Lines get their times from the file's `.times` record (log-times.ts), for
// `timestamps` (RFC3339Nano before each line, as the kubelet writes it) and `sinceSeconds` /
// `sinceTime` (lines written before then are left out, after `tailLines` picked the last ones).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errors, field, StatusError, type FieldError } from '../util/status-errors.js';
import type { SubresourceHandler } from '../api/http/resource-handler.js';
import type { Pod } from '../apis/core/pods.js';
import { R, type Client } from '../client/client.js';
import type { PodPlacement } from './pod-placement.js';
import { formatLogTime, LogTimes } from './log-times.js';

/** How often a follower looks for new output, and how many looks between pod checks. */
const FOLLOW_POLL_MS = 200;
const POD_CHECK_EVERY = 5;
const CHUNK = 64 * 1024;

/** The directory of a pod's containers: `<dataDir>/pods/<ns>_<name>_<uid>` (kubelet's layout). */
export function podDir(dataDir: string, pod: Pod): string {
  const m = pod.metadata;
  return join(dataDir, 'pods', `${m.namespace}_${m.name}_${m.uid}`);
}

export function logPath(dataDir: string, pod: Pod, container: string, restartCount: number): string {
  return join(podDir(dataDir, pod), container, `${restartCount}.log`);
}

/** The container a log or exec request means, with the apiserver's messages (ValidateContainer). */
export function pickContainer(pod: Pod, requested: string | null): string {
  const spec = pod.spec ?? {};
  const names = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name ?? '');
  const name = pod.metadata.name ?? '';
  if (requested) {
    if (!names.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const containers = spec.containers ?? [];
  if (containers.length === 1) return containers[0].name ?? '';
  if (!containers.length) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
}

/** The runs of a container that have a log file, oldest first. */
async function logRuns(dir: string): Promise<number[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files
    .map((f) => /^(\d+)\.log$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function containerStatus(pod: Pod, container: string) {
  const s = pod.status ?? {};
  return [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])].find((c) => c.name === container);
}

/** Whether run `run` of the container has ended (or the pod is gone or replaced). */
function runEnded(pod: Pod | undefined, uid: string | undefined, container: string, run: number): boolean {
  if (!pod || pod.metadata.uid !== uid) return true;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return true;
  const cs = containerStatus(pod, container);
  return (cs?.restartCount ?? 0) > run || cs?.state?.terminated !== undefined;
}

/** The offset where the last `n` lines of the file begin. */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  let count = 0;
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - CHUNK);
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    for (let i = buf.length - 1; i >= 0; i--) {
      // A final newline ends the last line rather than starting another.
      if (buf[i] !== 0x0a || start + i === size - 1) continue;
      if (++count === n) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

/** Hands the file from `pos` to its current end to `write` (with each chunk's offset); returns
 *  the new position. */
async function copyFrom(fh: FileHandle, pos: number, write: (b: Buffer, at: number) => boolean): Promise<number> {
  const buf = Buffer.alloc(CHUNK);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (!bytesRead) return pos;
    const at = pos;
    pos += bytesRead;
    if (!write(buf.subarray(0, bytesRead), at)) return pos;
  }
}

/** Cuts output into lines, drops those written before `since` and puts their time before the
 *  others when asked; a line still being written waits for its end (or flush). */
class LineFilter {
  private partial: Buffer = Buffer.alloc(0);
  private partialAt = 0;

  constructor(
    private readonly times: LogTimes,
    private readonly opts: { since?: number; timestamps: boolean },
    private readonly out: (b: Buffer) => boolean,
  ) {}

  write(b: Buffer, at: number): boolean {
    let data = b;
    let start = at;
    if (this.partial.length) {
      data = Buffer.concat([this.partial, b]);
      start = this.partialAt;
    }
    let from = 0;
    for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, from)) {
      if (!this.line(data.subarray(from, nl + 1), start + from)) return false;
      from = nl + 1;
    }
    this.partial = Buffer.from(data.subarray(from));
    this.partialAt = start + from;
    return true;
  }

  /** The run ended: its last line needs no newline. */
  flush(): void {
    if (this.partial.length) this.line(this.partial, this.partialAt);
    this.partial = Buffer.alloc(0);
  }

  private line(text: Buffer, at: number): boolean {
    const time = this.times.at(at, Date.now());
    if (this.opts.since !== undefined && time < this.opts.since) return true;
    return this.out(this.opts.timestamps ? Buffer.concat([Buffer.from(`${formatLogTime(time)} `), text]) : text);
  }
}

/** The time `sinceSeconds` or `sinceTime` asks for, validated as PodLogOptions are. */
function sinceOf(q: URLSearchParams, podName: string, now: number): number | undefined {
  const seconds = q.get('sinceSeconds');
  const time = q.get('sinceTime');
  if (seconds !== null && !/^-?\d+$/.test(seconds)) throw errors.badRequest(`invalid sinceSeconds: ${seconds}`);
  const causes: FieldError[] = [];
  if (seconds !== null && time !== null) causes.push(field.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  if (seconds !== null && Number(seconds) < 1) causes.push(field.invalid('sinceSeconds', Number(seconds), 'must be greater than 0'));
  if (causes.length) throw errors.invalid('PodLogOptions', '', podName, causes);
  if (seconds !== null) return now - Number(seconds) * 1000;
  if (time === null) return undefined;
  const at = Date.parse(time);
  if (!/^\d{4}-\d\d-\d\dT/.test(time) || Number.isNaN(at)) throw errors.badRequest(`parsing time "${time}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
  return at;
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid ${name}: ${v}`);
  return n;
}

export function logsHandler(deps: { client: Client; placement: PodPlacement }): SubresourceHandler {
  return async (req: IncomingMessage, res: ServerResponse, info, _r, url) => {
    if (info.verb !== 'get') throw errors.methodNotAllowed();
    const q = url.searchParams;
    const pod = await deps.client.get<Pod>(R.pods, info.namespace, info.name!);
    const container = pickContainer(pod, q.get('container'));
    const tailLines = intParam(q, 'tailLines');
    const limitBytes = intParam(q, 'limitBytes');
    const previous = q.get('previous') === 'true';
    const since = sinceOf(q, pod.metadata.name ?? '', Date.now());
    const timestamps = q.get('timestamps') === 'true';
    const dir = join(podDir(deps.placement.dataDir(pod), pod), container);
    const runs = await logRuns(dir);
    const podName = pod.metadata.name ?? '';

    let run: number | undefined;
    if (previous) {
      if (runs.length < 2) throw errors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
      run = runs[runs.length - 2];
    } else if (runs.length) {
      run = runs[runs.length - 1];
    } else {
      const waiting = containerStatus(pod, container)?.state?.waiting;
      if (waiting || !pod.status?.phase || pod.status.phase === 'Pending') {
        throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting?.reason ?? 'ContainerCreating'}`);
      }
    }

    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders();
    if (run === undefined) return void res.end();

    let left = limitBytes ?? Infinity;
    let gone = false;
    res.on('close', () => (gone = true));
    const write = (b: Buffer): boolean => {
      const part = b.subarray(0, Math.min(b.length, left));
      left -= part.length;
      res.write(part);
      return left > 0 && !gone;
    };

    const path = join(dir, `${run}.log`);
    const fh = await open(path, 'r');
    const times = new LogTimes(path);
    const lines = timestamps || since !== undefined ? new LineFilter(times, { since, timestamps }, write) : undefined;
    const copy = async (from: number): Promise<number> => {
      if (!lines) return copyFrom(fh, from, write);
      await times.refresh();
      return copyFrom(fh, from, (b, at) => lines.write(b, at));
    };
    try {
      const { size } = await fh.stat();
      let pos = await copy(tailLines === undefined ? 0 : await tailOffset(fh, size, tailLines));
      const follow = q.get('follow') === 'true' && !previous;
      let ended = !follow || runEnded(pod, pod.metadata.uid, container, run);
      for (let i = 1; !ended && left > 0 && !gone; i++) {
        await sleep(FOLLOW_POLL_MS);
        if (i % POD_CHECK_EVERY === 0) {
          // A pod that is gone has ended; any other error leaves the answer to the next check.
          const now = await deps.client.get<Pod>(R.pods, info.namespace, podName).catch((e: unknown) => (e instanceof StatusError && e.code === 404 ? undefined : pod));
          ended = runEnded(now, pod.metadata.uid, container, run);
        }
        // After the check, so the output of a run that just ended is all sent.
        pos = await copy(pos);
      }
      if (ended) lines?.flush();
    } finally {
      await fh.close();
      res.end();
    }
  };
}
