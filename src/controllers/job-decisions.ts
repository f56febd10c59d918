// What the Job controller decides (pure; pkg/controller/job): whether a Job has finished
// (completions reached, backoff limit, active deadline, a FailJob rule of its pod failure
// policy), how many pods to add or remove, and the status its pods amount to.

import type { Job, JobCondition, PodFailurePolicyRule } from '../apis/batch/jobs.js';
import type { KubeObject } from '../apis/types.js';
import { rfc3339 } from '../util/time.js';
import { isPodReady } from './replicaset-pods.js';

export interface JobView {
  active: KubeObject[];
  succeeded: number;
  failed: number;
  ready: number;
}

interface ContainerExit {
  name: string;
  exitCode?: number;
}

const exits = (pod: KubeObject): ContainerExit[] =>
  ((pod.status?.containerStatuses as { name: string; state?: { terminated?: { exitCode?: number } } }[] | undefined) ?? []).map((c) => ({
    name: c.name,
    exitCode: c.state?.terminated?.exitCode,
  }));

function ruleMatches(rule: PodFailurePolicyRule, pod: KubeObject): string | undefined {
  const on = rule.onExitCodes;
  if (on) {
    for (const c of exits(pod)) {
      if (c.exitCode === undefined || c.exitCode === 0 || (on.containerName && on.containerName !== c.name)) continue;
      const listed = on.values.includes(c.exitCode);
      if (on.operator === 'In' ? listed : !listed) return `Container ${c.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${c.exitCode}`;
    }
    return undefined;
  }
  const conditions = (pod.status?.conditions as { type: string; status: string }[] | undefined) ?? [];
  const hit = (rule.onPodConditions ?? []).find((p) => conditions.some((c) => c.type === p.type && c.status === (p.status ?? 'True')));
  return hit ? `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${hit.type} matching` : undefined;
}

/** The first rule a failed pod matches, with its index and the message Kubernetes gives. */
export function matchFailurePolicy(job: Job, pod: KubeObject): { rule: PodFailurePolicyRule; index: number; message: string } | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const m = ruleMatches(rules[i], pod);
    if (m) return { rule: rules[i], index: i, message: rules[i].onExitCodes ? `${m} matching ${rules[i].action} rule at index ${i}` : `${m} ${rules[i].action} rule at index ${i}` };
  }
  return undefined;
}

/** The Job's pods, counted: failures an Ignore rule matches do not count. */
export function viewPods(job: Job, pods: KubeObject[]): JobView & { failJob?: string } {
  const view: JobView & { failJob?: string } = { active: [], succeeded: 0, failed: 0, ready: 0 };
  for (const p of pods) {
    if (p.status?.phase === 'Succeeded') view.succeeded++;
    else if (p.status?.phase === 'Failed') {
      const m = matchFailurePolicy(job, p);
      if (m?.rule.action === 'Ignore') continue;
      if (m?.rule.action === 'FailJob') view.failJob ??= m.message;
      view.failed++;
    } else if (!p.metadata.deletionTimestamp) {
      view.active.push(p);
      if (isPodReady(p)) view.ready++;
    }
  }
  return view;
}

/** Why the Job is over, if it is: [type, reason, message]. */
export function finished(job: Job, view: JobView & { failJob?: string }, now: Date): [string, string, string] | undefined {
  const completions = job.spec?.completions;
  if (view.failJob) return ['Failed', 'PodFailurePolicy', view.failJob];
  if (view.failed > (job.spec?.backoffLimit ?? 6)) return ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'];
  const start = Date.parse(job.status?.startTime ?? '');
  const deadline = job.spec?.activeDeadlineSeconds;
  if (deadline !== undefined && Number.isFinite(start) && now.getTime() - start >= deadline * 1000)
    return ['Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'];
  const done = completions === undefined ? view.succeeded > 0 && view.active.length === 0 : view.succeeded >= completions;
  return done ? ['Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'] : undefined;
}

/** How many active pods the Job wants now. */
export function wantedActive(job: Job, view: JobView): number {
  if (job.spec?.suspend) return 0;
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined) return view.succeeded > 0 ? Math.min(parallelism, view.active.length) : parallelism;
  return Math.max(0, Math.min(parallelism, completions - view.succeeded));
}

/** The conditions after finishing: the interim one (FailureTarget or SuccessCriteriaMet, as
 *  since 1.31) and the final one. */
export function finishedConditions(job: Job, why: [string, string, string], now: Date): JobCondition[] {
  const t = rfc3339(now);
  const cond = (type: string): JobCondition => ({ type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: why[1], message: why[2] });
  const interim = why[0] === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
  return [...(job.status?.conditions ?? []).filter((c) => c.type !== interim && c.type !== why[0]), cond(interim), cond(why[0])];
}
