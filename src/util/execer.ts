// How kernel modes run their tools (nft, iptables-restore, iptables-save): an Execer runs one
// command with stdin, inside a network namespace when given one. Shared by the modes; it is not
// a mode itself. (Tests use test/support/fake-execer.ts.)

import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Execer {
  run(argv: string[], stdin?: string): Promise<ExecResult>;
}

export class NetnsExecer implements Execer {
  /** `netns`: run through `ip netns exec NAME`; none: in this process's own namespace. */
  constructor(private readonly netns?: string) {}

  run(argv: string[], stdin = ''): Promise<ExecResult> {
    const full = this.netns ? ['ip', 'netns', 'exec', this.netns, ...argv] : argv;
    return new Promise((resolve) => {
      const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      // A missing binary is an answer (code 127), not an exception, like a shell would give.
      child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // A tool that exits without reading all its input (an early error) closes the pipe.
      child.stdin.on('error', () => {});
      child.stdin.end(stdin);
    });
  }
}
