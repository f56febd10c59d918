// The node's own tools (ip, nsenter, sh, script) by absolute path, found on the agent's PATH: a
// container's PATH may put other programs of those names first (busybox's applets), and the
// runtime must not run those in their place.

import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const found = new Map<string, string>();

/** The tool's absolute path on the agent's PATH; the bare name when it is not there. */
export function hostTool(name: string): string {
  let path = found.get(name);
  if (path === undefined) {
    path = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, name))
      .find((p) => existsSync(p)) ?? name;
    found.set(name, path);
  }
  return path;
}
