// kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): a volume's files live in a
// timestamped directory; `..data` is a symlink to it and each top-level name a symlink through
// `..data`. An update writes a new directory and swaps `..data` with one rename, so a reader
// sees either the old files or the new ones, never a mix.

import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Payload } from './payload.js';

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** `..2024_01_02_15_04_05.` as Go formats the time in the directory's name. */
function tsPrefix(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

function unchanged(dir: string, payload: Payload): boolean {
  let current: string;
  try {
    current = join(dir, readlinkSync(join(dir, DATA)));
  } catch {
    return false;
  }
  const files = (d: string, rel = ''): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name), join(rel, e.name)) : [join(rel, e.name)]));
  const have = files(current);
  if (have.length !== payload.size) return false;
  for (const [path, f] of payload) {
    try {
      const full = join(current, path);
      if (!readFileSync(full).equals(f.data) || (statSync(full).mode & 0o777) !== f.mode) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Makes `dir` show exactly the payload; returns whether anything changed. */
export function writeAtomically(dir: string, payload: Payload, now = new Date()): boolean {
  mkdirSync(dir, { recursive: true });
  if (unchanged(dir, payload)) return false;
  const ts = mkdtempSync(join(dir, tsPrefix(now)));
  for (const [path, f] of payload) {
    const full = join(ts, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.data, { mode: f.mode });
  }
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, DATA));
  } catch {
    // First write.
  }
  rmSync(join(dir, DATA_TMP), { force: true });
  symlinkSync(ts.slice(dir.length + 1), join(dir, DATA_TMP));
  renameSync(join(dir, DATA_TMP), join(dir, DATA));
  // User-visible names: one symlink per top-level entry; names no longer there go.
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of top) {
    try {
      lstatSync(join(dir, name));
    } catch {
      symlinkSync(join(DATA, name), join(dir, name));
    }
  }
  for (const name of readdirSync(dir)) if (!name.startsWith('..') && !top.has(name)) rmSync(join(dir, name), { force: true });
  if (old && old !== ts.slice(dir.length + 1)) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}
