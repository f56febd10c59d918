// Where a Deployment's time to Ready goes: when the last pod was created, bound to a node, had
// its container running, and was Ready.
//
// Two sources, because neither is enough alone under load:
// - `kubectl get pods -w`: when each change reached us, to the millisecond. On a loaded machine
//   it falls behind (its lines then come late, all at once: every stage of the last pods got the
//   same time) or more than the server's 1 MiB behind, and is cut off as too slow (kubectl's -w
//   then exits: the stages were NaN).
// - the pods' own timestamps, read in one list once all are Ready (creationTimestamp, the
//   PodScheduled and Ready conditions' lastTransitionTime, the container's startedAt): never
//   late or missing, but to the second only (the API's time format).
// A stage's time for a pod is the watch's when it arrived within the second the server recorded
// (the watch kept up), else the end of that second: an upper bound, flagged as such.

import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export type Stage = 'created' | 'bound' | 'running' | 'ready';
export const STAGES: Stage[] = ['created', 'bound', 'running', 'ready'];

/** Per pod, per stage: when the watch first showed it (epoch ms), or the server's timestamp. */
export type Seen = Map<string, Partial<Record<Stage, number>>>;
export type Recorded = Map<string, Partial<Record<Stage, string>>>;

export interface StageTime {
  /** ms from t0 until the last pod reached the stage. */
  ms: number;
  /** From the server's timestamp (to the second, an upper bound): the watch saw it late or not at all. */
  coarse: boolean;
}

/** How late after the recorded second a watch line may arrive and still count as on time. */
const ON_TIME_MS = 250;

/** Per stage, when the last of `pods` pods reached it, from `t0` (epoch ms); undefined when some
 *  pod has no time for it from either source. */
export function stageTimes(seen: Seen, recorded: Recorded, t0: number, pods: number): Record<Stage, StageTime | undefined> {
  const names = new Set([...seen.keys(), ...recorded.keys()]);
  const out = {} as Record<Stage, StageTime | undefined>;
  for (const stage of STAGES) {
    let last: StageTime | undefined;
    let count = 0;
    for (const name of names) {
      const t = podStageTime(seen.get(name)?.[stage], recorded.get(name)?.[stage]);
      if (!t) continue;
      count++;
      if (!last || t.at > last.ms) last = { ms: t.at, coarse: t.coarse };
    }
    out[stage] = last && count >= pods ? { ms: last.ms - t0, coarse: last.coarse } : undefined;
  }
  return out;
}

function podStageTime(seenAt: number | undefined, stamp: string | undefined): { at: number; coarse: boolean } | undefined {
  const second = stamp ? Date.parse(stamp) : NaN;
  if (Number.isNaN(second)) return seenAt === undefined ? undefined : { at: seenAt, coarse: false };
  const end = second + 1000;
  if (seenAt !== undefined && seenAt < end + ON_TIME_MS) return { at: seenAt, coarse: false };
  return { at: end, coarse: true };
}

/** "2.4 s", "≤ 3.0 s" (to the second), or "n/a". */
export function formatStage(t: StageTime | undefined): string {
  if (!t) return 'n/a';
  return `${t.coarse ? '≤ ' : ''}${(Math.max(0, t.ms) / 1000).toFixed(1)} s`;
}

export interface StageWatch {
  /** Stops the watch, reads the pods' timestamps, and gives the stages from `t0` (epoch ms). */
  stop(t0: number, pods: number): Promise<Record<Stage, StageTime | undefined>>;
}

const WATCH_COLUMNS = '{.metadata.name}|{.spec.nodeName}|{.status.containerStatuses[0].state.running.startedAt}|{.status.conditions[?(@.type=="Ready")].status}{"\\n"}';
const condition = (type: string): string => `{.status.conditions[?(@.type=="${type}")].lastTransitionTime}`;
const LIST_COLUMNS = `{range .items[*]}{.metadata.name}|{.metadata.creationTimestamp}|${condition('PodScheduled')}|{.status.containerStatuses[0].state.running.startedAt}|${condition('Ready')}{"\\n"}{end}`;

/** Watches pods with the label selector in namespace default. */
export function watchPodStages(kubeconfig: string, labelSelector: string): StageWatch {
  const seen: Seen = new Map();
  const mark = (name: string, stage: Stage, now: number): void => {
    const pod = seen.get(name) ?? {};
    pod[stage] ??= now;
    seen.set(name, pod);
  };
  const kubectl = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '-l', labelSelector, '-w', '-o', `jsonpath=${WATCH_COLUMNS}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: kubectl.stdout }).on('line', (line) => {
    const now = Date.now();
    const [name, node, running, ready] = line.split('|');
    if (!name) return;
    mark(name, 'created', now);
    if (node) mark(name, 'bound', now);
    if (running) mark(name, 'running', now);
    if (ready === 'True') mark(name, 'ready', now);
  });
  return {
    async stop(t0, pods) {
      kubectl.kill();
      const args = ['--kubeconfig', kubeconfig, 'get', 'pods', '-l', labelSelector, '-o', `jsonpath=${LIST_COLUMNS}`];
      const { stdout } = await promisify(execFile)('kubectl', args, { maxBuffer: 64 << 20 });
      return stageTimes(seen, parseRecorded(stdout), t0, pods);
    },
  };
}

/** LIST_COLUMNS' lines: name|created|bound|running|ready. */
export function parseRecorded(text: string): Recorded {
  const recorded: Recorded = new Map();
  for (const line of text.split('\n')) {
    const [name, ...stamps] = line.split('|');
    if (!name) continue;
    const pod: Partial<Record<Stage, string>> = {};
    STAGES.forEach((stage, i) => {
      if (stamps[i]) pod[stage] = stamps[i];
    });
    recorded.set(name, pod);
  }
  return recorded;
}
