// `tinykube up` on the rootless network, outside: runs the same command again inside a user
// namespace (src/network/rootless/userns.ts) and stays in front of it. A stop here (Ctrl-C,
// SIGTERM) ends the lifeline, and the inside stops gracefully; if this process is killed, the
// lifeline ends with it. Its exit code is the inside's.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { spawnInUserns } from '../network/rootless/userns.js';
import { onStop } from './signals.js';

/** Where `tinykube shell` finds the user namespace: unshare's PID. */
export const USERNS_PID_FILE = 'userns.pid';

export async function upInUserns(dataDir: string, argv: string[]): Promise<number> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const child = spawnInUserns([process.execPath, ...process.execArgv, process.argv[1]!, ...argv]);
  const pidFile = join(dataDir, USERNS_PID_FILE);
  const exited = new Promise<number>((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`tinykube: cannot start the user namespace: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
  const stopping = onStop();
  stopping.waitingFor('the cluster inside the user namespace to stop');
  void stopping.done.then(() => child.stdio[3]?.destroy());
  const code = await exited;
  rmSync(pidFile, { force: true });
  return code;
}
