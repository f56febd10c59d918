// The pod worker with a fake runner, fake clock and scripted probes: every decision of the
// lifecycle without a process or a socket.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Pod } from '../apis/core/pods.js';
import type { Container } from '../apis/core/pod-template.js';
import { RestartBackoff } from './backoff.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { ApiPodStatus } from './pod-status.js';
import { ContainerConfigError } from './env.js';
import { CONFIG_RETRY_MS, PodWorker } from './pod-worker.js';
import type { ProbeOutcome } from './probes/run-probe.js';
import { FakeRunner } from '../../test/support/fake-runner.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(containers: Container[], spec: Record<string, unknown> = {}, pod: Partial<Pod> = {}, configError?: { message: string | undefined }) {
  const clock = new FakeClock();
  const runner = new FakeRunner();
  const events: string[] = [];
  const reports: { status: ApiPodStatus; final: boolean }[] = [];
  const probeAnswers: Record<string, boolean> = {};
  const p: Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, containers, ...spec },
    ...pod,
  };
  const worker = new PodWorker(p, ['127.244.0.2'], {
    clock,
    runner,
    probe: async (_probe, target): Promise<ProbeOutcome> =>
      (probeAnswers[target.container.name!] ?? true) ? { ok: true, output: '' } : { ok: false, output: 'HTTP probe failed with statuscode: 500' },
    backoff: new RestartBackoff(),
    events: { record: (_pod, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    log: pino({ level: 'silent' }),
    hostIPs: ['127.0.0.1'],
    prepare: (_pod, c) => {
      if (configError?.message) throw new ContainerConfigError(configError.message);
      return { argv: c.command ?? ['run'], env: { POD_IP: '127.244.0.2' } };
    },
    logPath: (_pod, c, n) => `/data/${c}/${n}.log`,
    report: (_pod, status, final) => reports.push({ status, final }),
  });
  const last = (): ApiPodStatus => reports[reports.length - 1].status;
  return { clock, runner, events, reports, probeAnswers, worker, pod: p, last };
}

describe('PodWorker', () => {
  it('starts the containers with events in kubelet order and reports them running', () => {
    const t = setup([{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }]);
    t.worker.update(t.pod);
    assert.equal(t.runner.started.length, 1);
    assert.equal(t.runner.started[0].spec.logPath, '/data/web/0.log');
    assert.deepEqual(t.events, [
      'Normal Pulled Container image "nginx:1.27" already present on machine',
      'Normal Created Created container web',
      'Normal Started Started container web',
    ]);
    const s = t.last();
    assert.equal(s.phase, 'Running');
    assert.equal(s.containerStatuses[0].ready, true);
  });

  it('a missing ConfigMap key: CreateContainerConfigError, tried again later without a restart', () => {
    const missing = { message: "couldn't find key k in ConfigMap ns/cm" as string | undefined };
    const t = setup([{ name: 'c', image: 'busybox' }], {}, {}, missing);
    t.worker.update(t.pod);
    assert.equal(t.runner.started.length, 0);
    const waiting = t.last().containerStatuses[0].state.waiting;
    assert.deepEqual(waiting, { reason: 'CreateContainerConfigError', message: "couldn't find key k in ConfigMap ns/cm" });
    assert.ok(t.events.includes("Warning Failed Error: couldn't find key k in ConfigMap ns/cm"));
    missing.message = undefined;
    t.clock.advance(CONFIG_RETRY_MS);
    assert.equal(t.runner.started.length, 1);
    assert.equal(t.last().containerStatuses[0].restartCount, 0);
  });

  it('a crash loop: immediate restart, then back-off of 10 s, then 20 s', async () => {
    const t = setup([{ name: 'c', image: 'busybox' }]);
    t.worker.update(t.pod);
    const crash = async (): Promise<void> => {
      t.runner.of('c').at(-1)!.exit({ exitCode: 1 });
      await tick();
    };
    await crash();
    assert.equal(t.runner.started.length, 2, 'the first restart is immediate');
    assert.equal(t.runner.started[1].spec.logPath, '/data/c/1.log');
    await crash();
    assert.equal(t.runner.started.length, 2);
    assert.equal(t.last().containerStatuses[0].state.waiting?.reason, 'CrashLoopBackOff');
    assert.match(t.last().containerStatuses[0].state.waiting?.message ?? '', /^back-off 10s restarting failed container=c pod=p_ns\(u1\)$/);
    assert.ok(t.events.includes('Warning BackOff Back-off restarting failed container c in pod p_ns(u1)'));
    t.clock.advance(9_999);
    assert.equal(t.runner.started.length, 2);
    t.clock.advance(1);
    assert.equal(t.runner.started.length, 3);
    assert.equal(t.last().containerStatuses[0].restartCount, 2);
    await crash();
    assert.match(t.last().containerStatuses[0].state.waiting?.message ?? '', /^back-off 20s /);
  });

  it('restart policies', async () => {
    const cases = [
      { policy: 'Never', code: 0, starts: 1, phase: 'Succeeded' },
      { policy: 'Never', code: 1, starts: 1, phase: 'Failed' },
      { policy: 'OnFailure', code: 0, starts: 1, phase: 'Succeeded' },
      { policy: 'OnFailure', code: 1, starts: 2, phase: 'Running' },
      { policy: 'Always', code: 0, starts: 2, phase: 'Running' },
    ];
    for (const c of cases) {
      const t = setup([{ name: 'c', image: 'busybox' }], { restartPolicy: c.policy });
      t.worker.update(t.pod);
      t.runner.started[0].exit({ exitCode: c.code });
      await tick();
      assert.deepEqual([t.runner.started.length, t.last().phase], [c.starts, c.phase], `${c.policy} exit ${c.code}`);
    }
  });

  it('runs init containers one after another before the app containers', async () => {
    const t = setup([{ name: 'app', image: 'busybox' }], { initContainers: [{ name: 'one', image: 'busybox' }, { name: 'two', image: 'busybox' }] });
    t.worker.update(t.pod);
    const names = (): string[] => t.runner.started.map((p) => p.spec.logPath.split('/')[2]);
    assert.deepEqual(names(), ['one']);
    assert.equal(t.last().phase, 'Pending');
    assert.equal(t.last().containerStatuses[0].state.waiting?.reason, 'PodInitializing');
    t.runner.started[0].exit({ exitCode: 0 });
    await tick();
    assert.deepEqual(names(), ['one', 'two']);
    t.runner.started[1].exit({ exitCode: 1 });
    await tick();
    assert.deepEqual(names(), ['one', 'two', 'two'], 'a failed init container runs again');
    t.runner.started[2].exit({ exitCode: 0 });
    await tick();
    assert.deepEqual(names(), ['one', 'two', 'two', 'app']);
    assert.equal(t.last().phase, 'Running');
    assert.equal(t.last().conditions.find((c) => c.type === 'Initialized')?.status, 'True');
  });

  it('readiness follows the probe; a failing liveness probe restarts the container', async () => {
    const probe = { httpGet: { path: '/', port: 80 }, periodSeconds: 5, failureThreshold: 2, successThreshold: 1, timeoutSeconds: 1 };
    const t = setup([{ name: 'c', image: 'nginx', readinessProbe: probe, livenessProbe: probe }]);
    t.worker.update(t.pod);
    assert.equal(t.last().containerStatuses[0].ready, false, 'not ready before the first probe');
    t.clock.advance(0);
    await tick();
    assert.equal(t.last().containerStatuses[0].ready, true);
    t.probeAnswers.c = false;
    for (let i = 0; i < 2; i++) {
      t.clock.advance(5_000);
      await tick();
    }
    assert.equal(t.runner.started[0].signals[0], 'SIGTERM');
    assert.ok(t.events.includes('Normal Killing Container c failed liveness probe, will be restarted'));
    assert.ok(t.events.includes('Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500'));
    await tick();
    assert.equal(t.runner.started.length, 2, 'restarted at once');
    assert.equal(t.last().containerStatuses[0].lastState.terminated?.exitCode, 143);
  });

  it('deletion: SIGTERM, SIGKILL after the grace period, then one final status', async () => {
    const t = setup([{ name: 'c', image: 'busybox' }]);
    t.runner.onSignal = (p, sig) => sig === 'SIGKILL' && p.exit({ exitCode: 137 });
    t.worker.update(t.pod);
    t.worker.update({ ...t.pod, metadata: { ...t.pod.metadata, deletionTimestamp: '2026-01-01T00:00:10Z', deletionGracePeriodSeconds: 10 } });
    assert.deepEqual(t.runner.started[0].signals, ['SIGTERM']);
    assert.ok(t.events.includes('Normal Killing Stopping container c'));
    assert.equal(t.reports.filter((r) => r.final).length, 0);
    t.clock.advance(10_000);
    await tick();
    assert.deepEqual(t.runner.started[0].signals, ['SIGTERM', 'SIGKILL']);
    const finals = t.reports.filter((r) => r.final);
    assert.equal(finals.length, 1);
    assert.equal(finals[0].status.phase, 'Failed');
    assert.equal(finals[0].status.containerStatuses[0].state.terminated?.exitCode, 137);
    assert.equal(finals[0].status.conditions.find((c) => c.type === 'Ready')?.status, 'False');
  });

  it('a restarted agent keeps the restart count and counts the lost run as a restart', () => {
    const t = setup([{ name: 'c', image: 'busybox' }], {}, {
      status: {
        podIP: '127.244.0.2',
        startTime: '2025-12-31T00:00:00Z',
        containerStatuses: [{ name: 'c', restartCount: 4, state: { running: { startedAt: '2025-12-31T00:00:01Z' } } }],
      },
    });
    t.worker.update(t.pod);
    assert.equal(t.runner.started.length, 1);
    const s = t.last();
    assert.equal(s.startTime, '2025-12-31T00:00:00Z');
    assert.equal(s.containerStatuses[0].restartCount, 5);
    assert.deepEqual([s.containerStatuses[0].lastState.terminated?.reason, s.containerStatuses[0].lastState.terminated?.exitCode], ['Unknown', 255]);
  });

  it('stop() ends every process and reports nothing more', async () => {
    const t = setup([{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }]);
    t.worker.update(t.pod);
    const before = t.reports.length;
    await t.worker.stop(1000);
    assert.ok(t.runner.started.every((p) => !p.running));
    assert.equal(t.reports.length, before);
  });

  it('a container that cannot be started is a StartError', async () => {
    const t = setup([{ name: 'c', image: 'busybox' }], { restartPolicy: 'Never' });
    t.worker.update(t.pod);
    t.runner.started[0].exit({ exitCode: 128, startError: 'exec: "/nope": no such file or directory' });
    await tick();
    const term = t.last().containerStatuses[0].state.terminated;
    assert.deepEqual([term?.reason, term?.exitCode, term?.message], ['StartError', 128, 'exec: "/nope": no such file or directory']);
    assert.equal(t.last().phase, 'Failed');
  });
});

describe('PodWorker spec changes', () => {
  it('a new image restarts the container at once, even with restartPolicy Never', async () => {
    const t = setup([{ name: 'c', image: 'nginx:1.26' }], { restartPolicy: 'Never' });
    t.worker.update(t.pod);
    t.worker.update({ ...t.pod, spec: { ...t.pod.spec, containers: [{ name: 'c', image: 'nginx:1.27' }] } });
    assert.deepEqual(t.runner.started[0].signals, ['SIGTERM']);
    assert.ok(t.events.includes('Normal Killing Container c definition changed, will be restarted'));
    await tick();
    assert.equal(t.runner.started.length, 2);
    const s = t.last().containerStatuses[0];
    assert.deepEqual([s.image, s.restartCount, s.state.running !== undefined], ['docker.io/library/nginx:1.27', 1, true]);
  });
});
