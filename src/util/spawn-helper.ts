// An Execer that does not fork this process: one long-lived python3 helper starts each command
// (vfork from a small process) and runs several at once. Node's spawn() forks the whole caller
// on its event loop (page tables and environment copied per call): a node agent setting up 200
// pod sandboxes spent more time in spawn() than the `ip` processes ran. Without python3 the
// commands are spawned directly (the fallback Execer). The helper reads requests as JSON lines
// on stdin and ends when stdin closes, so it never outlives its parent, even a killed one.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { NetnsExecer, type ExecResult, type Execer } from './execer.js';

const SPAWN_HELPER_PY = String.raw`
import json, subprocess, sys, threading
from concurrent.futures import ThreadPoolExecutor

out = sys.stdout.buffer
lock = threading.Lock()


def run(req):
    try:
        p = subprocess.run(req['argv'], input=req['stdin'].encode(), capture_output=True)
        # A command killed by a signal: 1, as the fallback (Node's spawn) reports it.
        res = {'id': req['id'], 'code': p.returncode if p.returncode >= 0 else 1,
               'stdout': p.stdout.decode(errors='replace'), 'stderr': p.stderr.decode(errors='replace')}
    except OSError as e:  # a missing binary is an answer (127), as a shell gives
        res = {'id': req['id'], 'code': 127, 'stdout': '', 'stderr': str(e)}
    data = (json.dumps(res) + '\n').encode()
    with lock:
        out.write(data)
        out.flush()


with ThreadPoolExecutor(max_workers=int(sys.argv[1])) as pool:
    for line in sys.stdin.buffer:
        pool.submit(run, json.loads(line))
`;

type Helper = ChildProcessByStdio<Writable, Readable, null>;

export class SpawnHelperExecer implements Execer {
  private helper?: Helper;
  /** python3 could not start: every command goes to the fallback. */
  private missing = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { argv: string[]; stdin: string; done: (r: ExecResult) => void }>();

  constructor(
    private readonly opts: { fallback?: Execer; python?: string; /** Commands run at once. */ concurrency?: number } = {},
  ) {}

  run(argv: string[], stdin = ''): Promise<ExecResult> {
    const helper = this.missing ? undefined : (this.helper ?? this.start());
    if (!helper) return this.fallback.run(argv, stdin);
    const id = this.nextId++;
    // Held only while it owes answers: an idle helper does not keep this process alive.
    if (this.waiting.size === 0) this.hold(helper, true);
    return new Promise((done) => {
      this.waiting.set(id, { argv, stdin, done });
      helper.stdin.write(JSON.stringify({ id, argv, stdin }) + '\n');
    });
  }

  /** Ends the helper once its commands are answered; a later run starts another. */
  async close(): Promise<void> {
    const helper = this.helper;
    this.helper = undefined;
    if (!helper || helper.exitCode !== null || helper.signalCode !== null) return;
    const gone = new Promise((r) => helper.once('close', r));
    this.hold(helper, true);
    helper.stdin.end();
    await gone;
  }

  private get fallback(): Execer {
    return this.opts.fallback ?? new NetnsExecer();
  }

  private start(): Helper {
    const python = this.opts.python ?? 'python3';
    const helper = spawn(python, ['-c', SPAWN_HELPER_PY, String(this.opts.concurrency ?? 8)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.helper = helper;
    let spawned = false;
    let buf = '';
    helper.once('spawn', () => (spawned = true));
    helper.stdin.on('error', () => {}); // a dead helper: its 'close' answers the waiters
    helper.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const { id, ...result } = JSON.parse(buf.slice(0, nl)) as ExecResult & { id: number };
        buf = buf.slice(nl + 1);
        this.waiting.get(id)?.done(result);
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.hold(helper, false);
      }
    });
    helper.once('error', () => {
      // python3 is missing: nothing was run, so everything asked goes to the fallback.
      if (spawned) return;
      this.missing = true;
      this.helper = undefined;
      for (const w of this.takeWaiting()) void this.fallback.run(w.argv, w.stdin).then(w.done);
    });
    helper.once('close', (code, signal) => {
      if (this.helper === helper) this.helper = undefined;
      // What it was running may have run: answered as failed, not run again.
      for (const w of this.takeWaiting()) w.done({ code: 1, stdout: '', stderr: `the spawn helper (${python}) exited (${signal ?? code}) before answering` });
    });
    return helper;
  }

  private takeWaiting(): { argv: string[]; stdin: string; done: (r: ExecResult) => void }[] {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    return all;
  }

  private hold(helper: Helper, on: boolean): void {
    for (const h of [helper, helper.stdin, helper.stdout] as { ref(): void; unref(): void }[]) {
      if (on) h.ref();
      else h.unref();
    }
  }
}
