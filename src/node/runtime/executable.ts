// Whether a container's command can start, checked before it runs inside a pod's namespace:
// there `ip netns exec` is what starts, and a missing command would be its exit 1, not the
// runtime's StartError (exit 128) that kubelet reports.

import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** Throws the container runtime's message when `command` is not an executable on PATH. */
export function checkExecutable(command: string, path = ''): void {
  if (command.includes('/')) {
    if (!executable(command)) throw new Error(`exec: "${command}": stat ${command}: no such file or directory`);
    return;
  }
  if (path.split(':').some((dir) => dir && executable(join(dir, command)))) return;
  throw new Error(`exec: "${command}": executable file not found in $PATH`);
}
