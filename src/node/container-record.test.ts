import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { restoreRecord } from './container-record.js';
import { containerStatus } from './pod-status.js';

// An agent restarted after a crash rebuilds its containers from the pod's status, whose IDs carry
// the runtime prefix; the status it then writes must carry it once (it showed
// tinykube://tinykube://… after a kill -9 of `up`).
describe('restoreRecord', () => {
  const now = Date.parse('2026-12-05T20:17:00Z');
  const id = 'tinykube://0dc0d3e7';

  it('a run the status still shows is lost: exit 255 Unknown, its ID shown with one prefix', () => {
    const rec = restoreRecord('bb', { name: 'bb', restartCount: 2, containerID: id, state: { running: { startedAt: '2026-12-05T20:16:03Z' } } }, now);
    const status = containerStatus({ name: 'bb', image: 'busybox' }, rec);
    assert.equal(status.containerID, id);
    assert.deepEqual(status.state.terminated && { code: status.state.terminated.exitCode, reason: status.state.terminated.reason, id: status.state.terminated.containerID }, { code: 255, reason: 'Unknown', id });
    assert.equal(status.restartCount, 2);
  });

  it('an exit the status shows keeps its ID, with one prefix', () => {
    const terminated = { exitCode: 1, reason: 'Error', startedAt: '2026-12-05T20:16:03Z', finishedAt: '2026-12-05T20:16:09Z', containerID: id };
    const rec = restoreRecord('bb', { name: 'bb', containerID: id, state: { terminated }, lastState: { terminated: { ...terminated, containerID: 'tinykube://aa11' } } }, now);
    const status = containerStatus({ name: 'bb', image: 'busybox' }, rec);
    assert.equal(status.containerID, id);
    assert.equal(status.state.terminated?.containerID, id);
    assert.equal(status.lastState.terminated?.containerID, 'tinykube://aa11');
  });
});
