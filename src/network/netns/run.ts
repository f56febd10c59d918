// Runs the planned commands through an Execer, each in a mount namespace where namespace names
// are shared (mount-ns.ts); the first failure stops the run with the command and its error.

import type { ExecResult, Execer } from '../../util/execer.js';
import type { Command } from './commands.js';
import { netnsMountPrefix } from './mount-ns.js';

export function runCommand(exec: Execer, cmd: Command, mountPrefix = netnsMountPrefix()): Promise<ExecResult> {
  return exec.run([...mountPrefix, ...cmd.argv], cmd.stdin);
}

export async function runCommands(exec: Execer, cmds: Command[]): Promise<void> {
  const mountPrefix = netnsMountPrefix();
  for (const cmd of cmds) {
    const r = await runCommand(exec, cmd, mountPrefix);
    if (r.code !== 0) throw new Error(`${cmd.argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
}
