// Where `ip netns add/del` must run so a namespace name is seen by everyone. A name is a bind
// mount on /run/netns/NAME, and `ip netns exec` gives its command a private mount namespace in
// which /run/netns is a slave: a name added there exists only for that process (the host sees
// an empty file). A node agent started with `ip netns exec NODE` therefore runs its `ip`
// commands in the mount namespace of the nearest ancestor where /run/netns is shared (the one
// that started it). Started with `nsenter --net=/run/netns/NODE`, it needs none of this.

import { existsSync, readFileSync } from 'node:fs';
import { readStatFields } from '../../util/proc-stat.js';

/** The propagation of /run/netns in a mountinfo text: shared, shared but also a slave (it
 *  receives from a master it does not send to), private (or only a slave), or absent (ip creates
 *  it shared). */
export function netnsPropagation(mountinfo: string): 'shared' | 'slave-shared' | 'private' | 'absent' {
  // The last mount there is the one seen: rootless `up` covers the host's /run (mounts.ts).
  const f = mountinfo.split('\n').map((line) => line.split(' ')).findLast((l) => l[4] === '/run/netns');
  if (!f) return 'absent';
  const optional = f.slice(6, f.indexOf('-'));
  if (!optional.some((o) => o.startsWith('shared:'))) return 'private';
  return optional.some((o) => o.startsWith('master:')) ? 'slave-shared' : 'shared';
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const parentOf = (pid: string): string | undefined => readStatFields(pid)?.[1];

let found: { prefix: string[]; pid?: string } | undefined;

/** The argv prefix that puts a command in a mount namespace where /run/netns is shared: none
 *  when this process is in one already. Found once per process (mountinfo lists every pod's
 *  namespace name, so reading it per pod set-up cost more than the set-up's own `ip`), and again
 *  only if the ancestor it names has exited. */
export function netnsMountPrefix(): string[] {
  if (!found || (found.pid && !existsSync(`/proc/${found.pid}`))) found = findMountPrefix();
  return found?.prefix ?? [];
}

function findMountPrefix(): { prefix: string[]; pid?: string } | undefined {
  const own = netnsPropagation(read('/proc/self/mountinfo') ?? '');
  // No /run/netns yet: nothing to find until one exists, so nothing to keep.
  if (own === 'absent') return undefined;
  if (own === 'shared') return { prefix: [] };
  // A namespace that is shared but a slave (a netns agent's, once an `ip netns add` there made
  // it shared: src/cli/netns-cluster.ts) does not pass its names up: its master's namespace
  // is preferred, and it (or the nearest such) serves when no ancestor is shared alone (a
  // container whose root is a slave of its host's).
  let fallback: { prefix: string[]; pid?: string } | undefined = own === 'slave-shared' ? { prefix: [] } : undefined;
  for (let pid = parentOf('self'); pid && pid !== '0'; pid = parentOf(pid)) {
    const propagation = netnsPropagation(read(`/proc/${pid}/mountinfo`) ?? '');
    const enter = { prefix: ['nsenter', `--mount=/proc/${pid}/ns/mnt`, '--'], pid };
    if (propagation === 'shared') return enter;
    if (propagation === 'slave-shared') fallback ??= enter;
  }
  return fallback ?? { prefix: [] };
}
