// An Execer for tests: records the calls and answers as told (success with no output by default).

import type { Execer, ExecResult } from '../../src/util/execer.js';

export interface ExecCall {
  argv: string[];
  stdin: string;
}

export class FakeExecer implements Execer {
  readonly calls: ExecCall[] = [];
  /** Answers each call; success with no output by default. */
  constructor(private readonly respond: (call: ExecCall) => Partial<ExecResult> = () => ({})) {}

  async run(argv: string[], stdin = ''): Promise<ExecResult> {
    const call = { argv, stdin };
    this.calls.push(call);
    return { code: 0, stdout: '', stderr: '', ...this.respond(call) };
  }
}
