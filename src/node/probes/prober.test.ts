import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Probe } from '../../apis/core/pod-template.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { ContainerProbers } from './prober.js';
import type { ProbeKind } from './probe-state.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const probe = (extra: Partial<Probe> = {}): Probe => ({ tcpSocket: { port: 80 }, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1, ...extra });

function setup(container: Container, answers: Partial<Record<string, boolean>> = {}) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const changes: string[] = [];
  const kindOf = (p: Probe): string => (p === container.startupProbe ? 'startup' : p === container.readinessProbe ? 'readiness' : 'liveness');
  const probers = new ContainerProbers(
    container,
    { podIP: '127.244.0.2', container, env: {} },
    clock.now(),
    clock,
    async (p) => {
      const kind = kindOf(p);
      calls.push(`${(clock.now() - Date.UTC(2026, 0, 1)) / 1000}s ${kind}`);
      return { ok: answers[kind] ?? true, output: '' };
    },
    { changed: (k: ProbeKind, r) => changes.push(`${k}=${r}`), failed: () => undefined },
  );
  probers.start();
  return { clock, calls, changes, probers };
}

describe('ContainerProbers', () => {
  it('waits initialDelaySeconds, then probes every periodSeconds', async () => {
    const t = setup({ name: 'c', readinessProbe: probe({ initialDelaySeconds: 5 }) });
    for (let i = 0; i < 4; i++) {
      t.clock.advance(5_000);
      await tick();
    }
    assert.deepEqual(t.calls, ['5s readiness', '15s readiness']);
    assert.deepEqual(t.changes, ['readiness=success']);
    t.probers.stop();
  });

  it('readiness and liveness wait for the startup probe, which stops once it passes', async () => {
    const answers: Record<string, boolean> = { startup: false };
    const t = setup({ name: 'c', startupProbe: probe({ periodSeconds: 1 }), readinessProbe: probe(), livenessProbe: probe() }, answers);
    assert.equal(t.probers.started, false);
    t.clock.advance(0);
    await tick();
    answers.startup = true;
    t.clock.advance(1_000);
    await tick();
    await tick();
    assert.equal(t.probers.started, true);
    // The others begin at once.
    t.clock.advance(0);
    await tick();
    t.clock.advance(10_000);
    await tick();
    assert.deepEqual(t.calls, ['0s startup', '1s startup', '1s readiness', '1s liveness', '11s readiness', '11s liveness']);
    assert.deepEqual(t.changes, ['startup=success', 'readiness=success']);
    t.probers.stop();
  });

  it('without probes a container counts as started and ready', () => {
    const t = setup({ name: 'c' });
    assert.deepEqual([t.probers.started, t.probers.result('readiness')], [true, 'success']);
  });
});
