// Where a Deployment's time to Ready goes: `kubectl get pods -w` (on a loaded machine it can
// fall more than the server's 1 MiB behind and be cut off as too slow: the stages are then NaN)
// tells when each pod was first seen
// created, bound to a node, with its container running, and Ready. The stage figures are when
// the last pod reached each.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

type Stage = 'created' | 'bound' | 'running' | 'ready';
const STAGES: Stage[] = ['created', 'bound', 'running', 'ready'];

export interface StageWatch {
  /** Per stage, ms from `t0` until the last of `pods` pods reached it (NaN if some never did). */
  stop(t0: number, pods: number): Record<Stage, number>;
}

const COLUMNS = '{.metadata.name}|{.spec.nodeName}|{.status.containerStatuses[0].state.running.startedAt}|{.status.conditions[?(@.type=="Ready")].status}{"\\n"}';

/** Watches pods with the label selector in namespace default. */
export function watchPodStages(kubeconfig: string, labelSelector: string): StageWatch {
  const seen = new Map<string, Partial<Record<Stage, number>>>();
  const mark = (name: string, stage: Stage, now: number): void => {
    const pod = seen.get(name) ?? {};
    pod[stage] ??= now;
    seen.set(name, pod);
  };
  const kubectl = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '-l', labelSelector, '-w', '-o', `jsonpath=${COLUMNS}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: kubectl.stdout }).on('line', (line) => {
    const now = performance.now();
    const [name, node, running, ready] = line.split('|');
    if (!name) return;
    mark(name, 'created', now);
    if (node) mark(name, 'bound', now);
    if (running) mark(name, 'running', now);
    if (ready === 'True') mark(name, 'ready', now);
  });
  return {
    stop(t0, pods) {
      kubectl.kill();
      const out = {} as Record<Stage, number>;
      for (const stage of STAGES) {
        const times = [...seen.values()].map((p) => p[stage]).filter((t): t is number => t !== undefined);
        out[stage] = times.length >= pods ? Math.max(...times) - t0 : NaN;
      }
      return out;
    },
  };
}
