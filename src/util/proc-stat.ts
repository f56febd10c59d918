// /proc/PID/stat (proc(5)), as the fields after the command name: the name is in parentheses
// and may itself hold spaces and parentheses, so the fields start after the last ')'. In the
// arrays here [0] is the state (field 3), [1] the parent pid, [2] the process group, [11] and
// [12] user and system CPU ticks, [19] the start time, [21] the resident pages.

import { readdirSync, readFileSync } from 'node:fs';

export const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** One process's fields; undefined when it is gone. */
export function readStatFields(pid: number | string): string[] | undefined {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process's fields by pid, in one scan of /proc (one that exits meanwhile is left out). */
export function allStatFields(): Map<number, string[]> {
  const all = new Map<number, string[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return all;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const f = readStatFields(name);
    if (f) all.set(Number(name), f);
  }
  return all;
}
