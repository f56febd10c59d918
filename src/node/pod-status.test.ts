import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../apis/core/pods.js';
import type { ContainerRecord, Exit } from './container-record.js';
import { containerStatus, imageID, normalizeImage, podConditions, podPhase, podStatus, type PodView } from './pod-status.js';

const T0 = Date.UTC(2026, 0, 1);
const exit = (exitCode: number): Exit => ({ containerID: 'c1', exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: T0, finishedAt: T0 + 5000 });
const running = (ready = true): ContainerRecord => ({ name: 'a', restartCount: 0, run: { containerID: 'c2', startedAt: T0, started: true, ready } });
const created = (): ContainerRecord => ({ name: 'a', restartCount: 0, waiting: { reason: 'ContainerCreating' } });
const done = (code: number): ContainerRecord => ({ name: 'a', restartCount: 0, lastExit: exit(code) });
const backingOff = (code: number): ContainerRecord => ({ ...done(code), restartCount: 1, waiting: { reason: 'CrashLoopBackOff' } });

describe('podPhase', () => {
  const cases: { name: string; policy: string; containers: ContainerRecord[]; init?: ContainerRecord[]; gone?: boolean; want: string }[] = [
    { name: 'not started yet', policy: 'Always', containers: [created()], want: 'Pending' },
    { name: 'running', policy: 'Always', containers: [running()], want: 'Running' },
    { name: 'one running, one not yet', policy: 'Always', containers: [running(), created()], want: 'Pending' },
    { name: 'crash loop is still Running', policy: 'Always', containers: [backingOff(1)], want: 'Running' },
    { name: 'Never: all exited 0', policy: 'Never', containers: [done(0), done(0)], want: 'Succeeded' },
    { name: 'Never: one failed', policy: 'Never', containers: [done(0), done(1)], want: 'Failed' },
    { name: 'OnFailure: exited 0', policy: 'OnFailure', containers: [done(0)], want: 'Succeeded' },
    { name: 'OnFailure: failed, restarting', policy: 'OnFailure', containers: [backingOff(1)], want: 'Running' },
    { name: 'init container running', policy: 'Always', init: [running()], containers: [created()], want: 'Pending' },
    { name: 'init failed with Never', policy: 'Never', init: [done(1)], containers: [created()], want: 'Failed' },
    { name: 'init done, app running', policy: 'Always', init: [done(0)], containers: [running()], want: 'Running' },
    { name: 'deleted, all exited by SIGTERM', policy: 'Always', containers: [done(143)], gone: true, want: 'Failed' },
    { name: 'deleted, all exited 0', policy: 'Always', containers: [done(0)], gone: true, want: 'Succeeded' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(podPhase(c.policy, { init: c.init ?? [], containers: c.containers, sandboxGone: c.gone ?? false }), c.want));
  }
});

describe('containerStatus', () => {
  const spec = { name: 'a', image: 'nginx' };
  it('running, with the exit before as lastState', () => {
    const s = containerStatus(spec, { ...running(), restartCount: 2, lastExit: exit(1) });
    assert.deepEqual(s.state, { running: { startedAt: '2026-01-01T00:00:00Z' } });
    assert.equal(s.lastState.terminated?.exitCode, 1);
    assert.equal(s.lastState.terminated?.containerID, 'tinykube://c1');
    assert.equal(s.containerID, 'tinykube://c2');
    assert.deepEqual([s.ready, s.started, s.restartCount, s.image], [true, true, 2, 'docker.io/library/nginx:latest']);
    assert.match(s.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  });
  it('waiting in back-off keeps the last exit as lastState', () => {
    const s = containerStatus(spec, { ...backingOff(1), waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
    assert.deepEqual(s.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
    assert.equal(s.lastState.terminated?.reason, 'Error');
    assert.equal(s.ready, false);
  });
  it('terminated for good shows the exit as state and the one before as lastState', () => {
    const s = containerStatus(spec, { ...done(0), exitBefore: exit(1) });
    assert.equal(s.state.terminated?.reason, 'Completed');
    assert.equal(s.lastState.terminated?.reason, 'Error');
  });
  it('not started yet has no container ID', () => {
    const s = containerStatus(spec, created());
    assert.deepEqual(s.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.containerID, undefined);
    assert.equal(s.imageID, '');
  });
});

describe('images', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['ikubernetes/myapp:v1', 'docker.io/ikubernetes/myapp:v1'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.53', 'registry.k8s.io/e2e-test-images/agnhost:2.53'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
  ];
  for (const [image, want] of cases) it(`${image} is ${want}`, () => assert.equal(normalizeImage(image), want));
  it('imageID is stable per image', () => assert.equal(imageID('nginx'), imageID('docker.io/library/nginx:latest')));
});

describe('podConditions', () => {
  const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
  const view = (containers: ContainerRecord[], extra: Partial<PodView> = {}): PodView => ({
    podIPs: ['127.244.0.2'],
    hostIPs: ['127.0.0.1'],
    startTime: T0,
    init: [],
    containers,
    sandboxGone: false,
    now: T0 + 60_000,
    ...extra,
  });
  const brief = (p: Pod, v: PodView): string[] =>
    podConditions(p, v, podPhase('Always', v)).map((c) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? ` ${c.message}` : ''}`);

  it('all ready', () => {
    const v = view([running(), { ...running(), name: 'b' }]);
    assert.deepEqual(brief(pod, v), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  });
  it('names the unready containers', () => {
    const v = view([running(false), { ...created(), name: 'b' }]);
    assert.deepEqual(brief(pod, v).slice(2, 4), [
      'Ready=False ContainersNotReady containers with unready status: [a b]',
      'ContainersReady=False ContainersNotReady containers with unready status: [a b]',
    ]);
  });
  it('init containers not done', () => {
    const v = view([created()], { init: [{ ...running(), name: 'setup' }] });
    assert.equal(brief({ ...pod, spec: { containers: [{ name: 'a' }] } }, v)[1], 'Initialized=False ContainersNotInitialized containers with incomplete status: [setup]');
  });
  it('a readiness gate without its condition holds Ready back', () => {
    const gated: Pod = { ...pod, spec: { containers: [{ name: 'a' }], readinessGates: [{ conditionType: 'example.com/lb' }] } };
    assert.equal(brief(gated, view([running()]))[2], 'Ready=False ReadinessGatesNotReady the status of pod readiness gate "example.com/lb" is not "True", but False');
  });
  it('keeps transition times while a condition holds, and other owners’ conditions', () => {
    const v = view([running()]);
    const prev: Pod = {
      ...pod,
      spec: { containers: [{ name: 'a' }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: 'earlier' } as never,
          { type: 'ContainersReady', status: 'False', lastTransitionTime: 'earlier' } as never,
          { type: 'example.com/lb', status: 'True' },
        ],
      },
    };
    const got = podConditions(prev, v, 'Running');
    assert.equal(got.find((c) => c.type === 'Ready')?.lastTransitionTime, 'earlier');
    assert.equal(got.find((c) => c.type === 'ContainersReady')?.lastTransitionTime, '2026-01-01T00:01:00Z');
    assert.ok(got.some((c) => c.type === 'example.com/lb'));
  });
});

describe('podStatus', () => {
  it('reports addresses, start time and QoS class', () => {
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx' }] }, status: { qosClass: 'BestEffort' } };
    const s = podStatus(pod, { podIPs: ['127.244.0.9'], hostIPs: ['127.0.0.1'], startTime: T0, init: [], containers: [running()], sandboxGone: false, now: T0 });
    assert.deepEqual(
      [s.phase, s.podIP, s.podIPs, s.hostIP, s.hostIPs, s.startTime, s.qosClass],
      ['Running', '127.244.0.9', [{ ip: '127.244.0.9' }], '127.0.0.1', [{ ip: '127.0.0.1' }], '2026-01-01T00:00:00Z', 'BestEffort'],
    );
    assert.equal(s.initContainerStatuses, undefined);
  });

  it('reports both families on a dual-stack node, the primary as podIP and hostIP', () => {
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx' }] } };
    const view = { startTime: T0, init: [], containers: [running()], sandboxGone: false, now: T0 };
    const v6First = podStatus(pod, { ...view, podIPs: ['fd00:10:244:1::5', '10.244.1.5'], hostIPs: ['fd00:20::11', '172.20.0.11'] });
    assert.deepEqual(
      [v6First.podIP, v6First.podIPs, v6First.hostIP, v6First.hostIPs],
      ['fd00:10:244:1::5', [{ ip: 'fd00:10:244:1::5' }, { ip: '10.244.1.5' }], 'fd00:20::11', [{ ip: 'fd00:20::11' }, { ip: '172.20.0.11' }]],
    );
    // Before the sandbox has addresses: none reported, and not ready to start containers.
    const pending = podStatus(pod, { ...view, containers: [], podIPs: [], hostIPs: ['172.20.0.11'] });
    assert.equal(pending.podIP, undefined);
    assert.equal(pending.podIPs, undefined);
    assert.equal(pending.conditions.find((c) => c.type === 'PodReadyToStartContainers')?.status, 'False');
  });
});
