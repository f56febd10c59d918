import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { requirement } from '../../../test/support/requires.js';
import { eventually } from '../../../test/support/eventually.js';
import { sharedMountOf } from './memory-dir.js';

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/root rw',
  '30 22 0:5 / /run rw shared:5 - tmpfs tmpfs rw',
  '31 22 0:6 / /data rw master:1 - ext4 /dev/sdb rw',
].join('\n');

describe('sharedMountOf: whether a mount at a path would propagate', () => {
  it('takes the nearest mount holding the path', () => {
    assert.equal(sharedMountOf(MOUNTINFO, '/var/lib/x'), true);
    assert.equal(sharedMountOf(MOUNTINFO, '/run/x/memory'), true);
    assert.equal(sharedMountOf(MOUNTINFO, '/data/x/memory'), false, 'a slave mount receives, never sends');
    assert.equal(sharedMountOf(MOUNTINFO, '/database/memory'), true, '/data is not a parent of /database');
  });
});

const root = requirement(process.getuid?.() !== 0 ? 'needs root (it mounts a tmpfs in a mount namespace of its own)' : undefined);
const mountsOf = (pid: number | 'self', dir: string): string[] =>
  readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(dir));

describe('secret and projected volumes in memory (a mount namespace of their own)', { skip: root.skip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'memory-dir-'));
  const children: number[] = [];
  after(() => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps the token volume on a tmpfs only the agent's namespace sees, in kubelet's layout, gone at teardown and at SIGKILL", async () => {
    root.check();
    // As `up` starts a netns agent (src/cli/netns-cluster.ts).
    const child = spawn('unshare', ['--mount', '--propagation', 'slave', '--', process.execPath, '--import', 'tsx', 'test/support/memory-volume-child.ts', dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child.pid!);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const { memoryDir, volume } = JSON.parse((await lines.next()).value as string) as { memoryDir?: string; volume: string };
    assert.equal(memoryDir, join(dataDir, 'memory'));
    assert.equal(volume, join(dataDir, 'memory', 'default_web_u1', 'volumes', 'kubernetes.io~projected', 'kube-api-access'));

    const inChild = mountsOf(child.pid!, dataDir);
    assert.equal(inChild.length, 1, inChild.join('\n'));
    assert.match(inChild[0]!, / - tmpfs tinykube-volumes /);
    assert.deepEqual(mountsOf('self', dataDir), [], 'the host sees no mount');
    // The host sees an empty directory; the agent (its namespace: /proc/PID/root) the files.
    assert.deepEqual(spawnSync('ls', ['-A', memoryDir!], { encoding: 'utf8' }).stdout, '');
    const seen = join(`/proc/${child.pid}/root`, volume);
    assert.match(readlinkSync(join(seen, '..data')), /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\w+$/);
    assert.equal(readlinkSync(join(seen, 'token')), '..data/token');
    assert.equal(readFileSync(join(seen, 'token'), 'utf8'), 'the-token');
    assert.equal(statSync(join(seen, 'token')).mode & 0o777, 0o644);
    assert.ok(lstatSync(join(seen, 'token')).isSymbolicLink());

    child.stdin!.write('down\n');
    assert.equal((await lines.next()).value, 'gone');
    assert.equal(existsSync(join(`/proc/${child.pid}/root`, memoryDir!, 'default_web_u1')), false);

    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.deepEqual(mountsOf('self', dataDir), [], 'nothing mounted on the host after the SIGKILL');
    // The data dir stays removable (a mount point would be EBUSY).
    await eventually(() => spawnSync('rm', ['-rf', dataDir]).status === 0, 10_000, 'rm -rf of the data dir');
    assert.equal(existsSync(dataDir), false);
  });
});
