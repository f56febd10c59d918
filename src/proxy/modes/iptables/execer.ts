// How the iptables mode runs its tools: an Execer runs one command with optional stdin, inside a
// network namespace when given one; FakeExecer records the calls and answers as told.

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
  /** Without a namespace, commands run in this process's own (the real machine's choice). */
  constructor(private readonly netns?: string) {}

  run(argv: string[], stdin?: string): Promise<ExecResult> {
    const full = this.netns ? ['ip', 'netns', 'exec', this.netns, ...argv] : argv;
    return new Promise((resolve, reject) => {
      const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });
  }
}

export interface ExecCall {
  argv: string[];
  stdin?: string;
}

export class FakeExecer implements Execer {
  readonly calls: ExecCall[] = [];
  /** Answers each call; success with no output by default. */
  constructor(private readonly respond: (call: ExecCall) => Partial<ExecResult> = () => ({})) {}

  async run(argv: string[], stdin?: string): Promise<ExecResult> {
    const call = { argv, stdin };
    this.calls.push(call);
    return { code: 0, stdout: '', stderr: '', ...this.respond(call) };
  }
}
