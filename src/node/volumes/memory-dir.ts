// kubelet keeps secret and projected volumes (the ServiceAccount token among them) on a tmpfs
// (emptyDir medium Memory): their files never touch the disk. Here that also saves a pod its
// most costly file work: on a disk that scans past recently freed inodes for each new one (ext4
// without a journal) the token volume's 11 inodes cost more CPU than the rest of its set-up.
// An agent started in a mount namespace of its own (`up` starts netns agents so) mounts one
// tmpfs for all of them. The mount exists in that namespace only, so it vanishes with the agent
// and what it started, a SIGKILL included, and on the host the data dir keeps an ordinary,
// removable directory. One mount per node, not kubelet's one per volume: a mount costs a `mount`
// process here, and an unmount another, per pod.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hostTool } from '../runtime/host-tool.js';

/** Whether the mount holding `dir` would pass a mount on to others (its peers: the host's). */
export function sharedMountOf(mountinfo: string, dir: string): boolean {
  let best: { point: string; shared: boolean } | undefined;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const point = f[4];
    if (!point || !(dir === point || dir.startsWith(point === '/' ? '/' : `${point}/`))) continue;
    if (best && best.point.length > point.length) continue;
    best = { point, shared: f.slice(6, f.indexOf('-')).some((o) => o.startsWith('shared:')) };
  }
  return best?.shared ?? true;
}

/** A tmpfs at `<dataDir>/memory` when this process has a mount namespace of its own (not its
 *  parent's) in which a mount there stays private; undefined otherwise (volumes stay on disk). */
export function privateMemoryDir(dataDir: string, log: Logger): string | undefined {
  const dir = join(dataDir, 'memory');
  try {
    if (readlinkSync('/proc/self/ns/mnt') === readlinkSync(`/proc/${process.ppid}/ns/mnt`)) return undefined;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (sharedMountOf(readFileSync('/proc/self/mountinfo', 'utf8'), dir)) {
      log.info({ dir }, 'secret and projected volumes stay on disk: a mount here would propagate');
      return undefined;
    }
  } catch {
    return undefined;
  }
  const r = spawnSync(hostTool('mount'), ['-t', 'tmpfs', '-o', 'mode=0700', 'tinykube-volumes', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    log.info({ dir, error: (r.stderr || r.error?.message || '').trim() }, 'secret and projected volumes stay on disk: no tmpfs');
    return undefined;
  }
  return dir;
}
