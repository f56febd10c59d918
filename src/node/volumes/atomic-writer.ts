// kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): a volume's files live in a
// timestamped directory; `..data` is a symlink to it and each top-level name a symlink through
// `..data`. An update writes a new directory and swaps `..data` with one rename, so a reader
// sees either the old files or the new ones, never a mix.

import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Payload } from './payload.js';

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** `..2024_01_02_15_04_05.` as Go formats the time in the directory's name. */
function tsPrefix(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** The target of `..data`, or undefined before the first write. */
const dataLink = (dir: string): Promise<string | undefined> => readlink(join(dir, DATA)).catch(() => undefined);

async function unchanged(dir: string, current: string | undefined, payload: Payload): Promise<boolean> {
  if (current === undefined) return false;
  const files = async (d: string, rel = ''): Promise<string[]> =>
    (await Promise.all((await readdir(d, { withFileTypes: true })).map((e) => (e.isDirectory() ? files(join(d, e.name), join(rel, e.name)) : [join(rel, e.name)])))).flat();
  try {
    if ((await files(join(dir, current))).length !== payload.size) return false;
    const same = await Promise.all(
      [...payload].map(async ([path, f]) => {
        const full = join(dir, current, path);
        return (await readFile(full)).equals(f.data) && ((await stat(full)).mode & 0o777) === f.mode;
      }),
    );
    return same.every(Boolean);
  } catch {
    return false;
  }
}

/** The write in progress per directory: writes to one directory take turns. */
const writing = new Map<string, Promise<boolean>>();

/** Makes `dir` show exactly the payload; returns whether anything changed. Asynchronous: a
 *  thousand pods' volumes cost thousands of file system calls (a mkdir took ~0.4 ms on a VM's
 *  ext4), which run in libuv's pool instead of the agent's (and the API server's) one thread.
 *  Writes to the same directory (a pod's set-up and a ConfigMap's change) run one at a time. */
export function writeAtomically(dir: string, payload: Payload, now = new Date()): Promise<boolean> {
  const previous = writing.get(dir);
  const next = (previous ?? Promise.resolve(false)).catch(() => false).then(() => write(dir, payload, now));
  writing.set(dir, next);
  const forget = (): void => void (writing.get(dir) === next && writing.delete(dir));
  next.then(forget, forget);
  return next;
}

async function write(dir: string, payload: Payload, now: Date): Promise<boolean> {
  // mkdir names the first directory it made, so anything made means `dir` is new: a new volume
  // (every pod's token volume) has nothing to compare, replace or remove, and no reader before
  // its names exist, so it skips those calls (~7 of ~20 per pod).
  const fresh = (await mkdir(dir, { recursive: true })) !== undefined;
  const old = fresh ? undefined : await dataLink(dir);
  if (await unchanged(dir, old, payload)) return false;
  const ts = await mkdtemp(join(dir, tsPrefix(now)));
  // mkdtemp makes it 0700; kubelet sets 0755 whatever the umask, so a container's non-root
  // user can walk down to the files (their own modes decide the rest).
  await chmod(ts, 0o755);
  const subdirs = new Set([...payload.keys()].map((path) => dirname(join(ts, path))).filter((d) => d !== ts));
  await Promise.all([...subdirs].map((d) => mkdir(d, { recursive: true })));
  await Promise.all([...payload].map(([path, f]) => writeFile(join(ts, path), f.data, { mode: f.mode })));
  if (fresh) await symlink(ts.slice(dir.length + 1), join(dir, DATA));
  else {
    await rm(join(dir, DATA_TMP), { force: true });
    await symlink(ts.slice(dir.length + 1), join(dir, DATA_TMP));
    await rename(join(dir, DATA_TMP), join(dir, DATA));
  }
  // User-visible names: one symlink per top-level entry; names no longer there go.
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  const link = (name: string): Promise<void> => symlink(join(DATA, name), join(dir, name));
  await Promise.all([...top].map((name) => (fresh ? link(name) : lstat(join(dir, name)).then(() => undefined, () => link(name)))));
  if (old !== undefined) {
    await Promise.all((await readdir(dir)).filter((name) => !name.startsWith('..') && !top.has(name)).map((name) => rm(join(dir, name), { force: true })));
    if (old !== ts.slice(dir.length + 1)) await rm(join(dir, old), { recursive: true, force: true });
  }
  return true;
}
