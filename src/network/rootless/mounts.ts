// The mounts the netns network needs, made inside the user namespace's own mount namespace: `ip
// netns` keeps namespace names under /run/netns and `ip netns exec` takes a pod's resolv.conf and
// hosts from /etc/netns, both under root-owned directories of the host. Each of /etc and /run is
// shadowed by a tmpfs that holds a bind mount of every entry of the original (and a copy of each
// symlink), so every host file stays visible and untouched while the namespace's root may add a
// `netns` of its own. (An overlay would be one mount, but the kernel refuses one whose lower
// directory has mounts below it, as /run has on most machines: /run/user/UID, /run/netns.)
// Nothing of it is seen outside, and it is gone with the namespace.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const SHADOWED = ['/etc', '/run'];
/** Entries made fresh, not carried over: the host's namespace names are not ours, and util-linux's
 *  record of userspace mount options (/run/mount/utab) must be of this namespace's mounts. */
const FRESH = new Set(['netns', 'mount']);

function mount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Shadows `dir` as above; `orig` is an empty directory where the original stays reachable. */
function shadow(dir: string, orig: string): void {
  mkdirSync(orig, { recursive: true });
  mount(['--rbind', dir, orig]);
  mount(['-t', 'tmpfs', '-o', 'mode=0755', 'tinykube', dir]);
  for (const name of readdirSync(orig)) {
    if (FRESH.has(name)) continue;
    const from = join(orig, name);
    const to = join(dir, name);
    const st = lstatSync(from);
    // An entry may exist already: `mount` itself keeps /run/mount/utab.
    if (st.isSymbolicLink()) {
      if (!existsSync(to)) symlinkSync(readlinkSync(from), to);
      continue;
    }
    if (st.isDirectory()) mkdirSync(to, { recursive: true });
    else closeSync(openSync(to, 'a'));
    mount([st.isDirectory() ? '--rbind' : '--bind', from, to]);
  }
}

/** `scratch` is an existing directory (in the data dir) for the originals' mount points. */
export function shadowHostDirs(scratch: string): void {
  mkdirSync(scratch, { recursive: true });
  mount(['-t', 'tmpfs', '-o', 'mode=0700', 'tinykube', scratch]);
  for (const dir of SHADOWED) shadow(dir, join(scratch, dir));
}
