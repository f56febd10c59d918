import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../apis/core/pods.js';
import { eventually } from '../../test/support/eventually.js';
import { podDir } from './logs.js';
import { clearMountNs, enterMountNs } from './mount-holder.js';
import { containerMountDir, mountNsPid, saveMountNsPid, saveStarted } from './started-env.js';
import { mountsReadyMarker } from './runtime/mount-script.js';
import { alive } from '../../test/support/processes.js';

describe('a hosted container’s mount holder, started by the first exec', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-holder-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const pod = (name: string): Pod => ({ metadata: { namespace: 'default', name, uid: `uid-${name}` } }) as Pod;
  /** A stand-in for the mount script: counts its starts, makes the marker late, then sleeps. */
  const holder = (p: Pod, c: string): string[] => {
    const dir = join(podDir(dataDir, p), c);
    mkdirSync(dir, { recursive: true });
    return ['sh', '-c', `echo x >> ${dir}/starts; sleep 0.2; : > ${mountsReadyMarker(containerMountDir(dataDir, p, c))}; exec sleep 1000`];
  };
  const starts = (p: Pod, c: string): number => readFileSync(join(podDir(dataDir, p), c, 'starts'), 'utf8').split('\n').length - 1;

  it('starts nothing until asked; concurrent first execs share one holder, ready once its marker is', async () => {
    const p = pod('a');
    await saveStarted(dataDir, p, 'c', { env: {}, holder: holder(p, 'c') });
    assert.equal(mountNsPid(dataDir, p, 'c'), undefined, 'no holder before an exec');
    const pids = await Promise.all([enterMountNs(dataDir, p, 'c'), enterMountNs(dataDir, p, 'c'), enterMountNs(dataDir, p, 'c')]);
    assert.equal(new Set(pids).size, 1);
    const pid = pids[0]!;
    assert.ok(alive(pid));
    assert.equal(starts(p, 'c'), 1);
    assert.equal(await enterMountNs(dataDir, p, 'c'), pid, 'the next exec enters the same one');
    const ledgered = join(dataDir, 'node', 'processes', String(pid));
    assert.ok(existsSync(ledgered), "in the agent's ledger (killed if the agent dies and starts again)");
    clearMountNs(dataDir, p, 'c');
    await eventually(() => !alive(pid), 5_000, 'the holder ended with the container');
    assert.equal(existsSync(ledgered), false);
    assert.equal(await enterMountNs(dataDir, p, 'c'), undefined, 'the container is gone: nothing to enter');
  });

  it('a holder that died is started again by the next exec', async () => {
    const p = pod('b');
    await saveStarted(dataDir, p, 'c', { env: {}, holder: holder(p, 'c') });
    const first = (await enterMountNs(dataDir, p, 'c'))!;
    process.kill(-first, 'SIGKILL');
    await eventually(() => !alive(first), 5_000, 'killed');
    const second = (await enterMountNs(dataDir, p, 'c'))!;
    assert.notEqual(second, first);
    assert.equal(starts(p, 'c'), 2);
    clearMountNs(dataDir, p, 'c');
  });

  it('a holder that cannot mount fails the exec with where to look, and is not left running', async () => {
    const p = pod('c');
    mkdirSync(join(podDir(dataDir, p), 'c'), { recursive: true });
    await saveStarted(dataDir, p, 'c', { env: {}, holder: ['sh', '-c', 'echo "mount: permission denied" >&2; exit 32'] });
    await assert.rejects(enterMountNs(dataDir, p, 'c'), /could not mount the volumes of container c \(see .*mounts\.log\)/);
    assert.match(readFileSync(join(podDir(dataDir, p), 'c', 'mounts.log'), 'utf8'), /permission denied/);
    await assert.rejects(enterMountNs(dataDir, p, 'c'), /could not mount/, 'the next exec tries again, never enters without the volumes');
  });

  it('a holder whose container exited while it mounted is ended, and the exec refused', async () => {
    const p = pod('e');
    await saveStarted(dataDir, p, 'c', { env: {}, holder: holder(p, 'c') });
    const entering = enterMountNs(dataDir, p, 'c');
    await eventually(() => mountNsPid(dataDir, p, 'c'), 5_000, 'the holder started');
    const pid = mountNsPid(dataDir, p, 'c')!;
    clearMountNs(dataDir, p, 'c');
    await assert.rejects(entering, /container c is not running/);
    await eventually(() => !alive(pid), 5_000, 'the holder ended');
  });

  it("a process container's own process is its mount namespace (no holder)", async () => {
    const p = pod('d');
    mkdirSync(join(podDir(dataDir, p), 'c'), { recursive: true });
    await saveMountNsPid(dataDir, p, 'c', process.pid);
    const marker = mountsReadyMarker(containerMountDir(dataDir, p, 'c'));
    setTimeout(() => writeFileSync(marker, ''), 100);
    assert.equal(await enterMountNs(dataDir, p, 'c'), process.pid);
    assert.ok(existsSync(marker), 'entered once its script has made the marker');
  });
});
