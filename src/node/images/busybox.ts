// busybox- and alpine-based images get busybox's applets (its wget, nslookup, ping, sh, with
// their exact output): a directory of applet symlinks to the host's busybox, one per data dir,
// put first on the container's PATH. `/bin/sh` and the like in a command are the image's applet
// too, as in the image itself.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DEFAULT_PATH } from './image-meta.js';

/** The host's busybox, or undefined when it has none. */
export function hostBusybox(path = process.env.PATH ?? DEFAULT_PATH): string | undefined {
  return path
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, 'busybox'))
    .find((p) => existsSync(p));
}

/**
 * Debian's busybox (before 1.36.1-5) is built without wget's `-T SEC` and crashes on it, while
 * the images' busybox has it, and tutorials use it. This wrapper takes `-T` off and keeps the
 * time limit with busybox's `timeout`, saying what busybox says when it runs out.
 */
const wgetWrapper = (busybox: string): string => `#!${busybox} sh
t=
n=$#
while [ "$n" -gt 0 ]; do
  a=$1; shift; n=$((n-1))
  case $a in
    -T) t=$1; shift; n=$((n-1)) ;;
    -T*) t=\${a#-T} ;;
    --timeout=*) t=\${a#--timeout=} ;;
    *) set -- "$@" "$a" ;;
  esac
done
[ -z "$t" ] && exec ${busybox} wget "$@"
${busybox} timeout "$t" ${busybox} wget "$@"
rc=$?
[ $rc -eq 143 ] && { echo "wget: download timed out" >&2; exit 1; }
exit $rc
`;

const made = new Map<string, string>();

/** The applet directory under `dataDir` (made once), or undefined without a host busybox. */
export function busyboxBin(dataDir: string): string | undefined {
  const known = made.get(dataDir);
  if (known) return known;
  const busybox = hostBusybox();
  if (!busybox) return undefined;
  const dir = join(dataDir, 'busybox', 'bin');
  if (!existsSync(join(dir, 'sh'))) {
    mkdirSync(dir, { recursive: true });
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const present = new Set(readdirSync(dir));
    for (const applet of applets) {
      if (present.has(applet) || applet === 'wget') continue;
      symlinkSync(busybox, join(dir, applet));
    }
    writeFileSync(join(dir, 'wget'), wgetWrapper(busybox));
    chmodSync(join(dir, 'wget'), 0o755);
  }
  made.set(dataDir, dir);
  return dir;
}

/** `/bin/sh -c …` → the applet `sh`, when busybox has one of that name (as the image's /bin). */
export function appletArgv(bin: string, argv: string[]): string[] {
  const [first, ...rest] = argv;
  if (!first || !/^\/(usr\/)?s?bin\/[^/]+$/.test(first)) return argv;
  const applet = join(bin, basename(first));
  return existsSync(applet) ? [applet, ...rest] : argv;
}
