// An Execer that merges concurrent `ip … -batch -` runs of the same command line into one
// process: pods set up together on a node make their node-side links in one `ip`, not one each.
// Each request keeps its own outcome: `ip -batch` stops at the first failed line and names it
// ("Command failed -:LINE"), so the requests before it succeeded, the one holding that line
// fails with ip's message, and those after it run again in the next batch. A merged run's output
// goes to each of its requests (node-side lines print nothing). Anything else runs as it is.

import type { ExecResult, Execer } from '../../util/execer.js';

interface Request {
  stdin: string;
  done: (r: ExecResult) => void;
}

const isBatch = (argv: string[]): boolean => argv.length >= 3 && argv.at(-2) === '-batch' && argv.at(-1) === '-' && argv.includes('ip');
const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

export class IpBatchingExecer implements Execer {
  /** Per command line: the requests waiting for the run after the current one. */
  private readonly queued = new Map<string, Request[]>();
  private readonly running = new Set<string>();

  constructor(private readonly inner: Execer) {}

  run(argv: string[], stdin = ''): Promise<ExecResult> {
    if (!isBatch(argv)) return this.inner.run(argv, stdin);
    const key = JSON.stringify(argv);
    return new Promise((done) => {
      const text = stdin.endsWith('\n') || stdin === '' ? stdin : `${stdin}\n`;
      this.queued.set(key, [...(this.queued.get(key) ?? []), { stdin: text, done }]);
      if (!this.running.has(key)) void this.drain(key, argv);
    });
  }

  /** Runs what is queued for the command line, as one batch at a time, until nothing is. */
  private async drain(key: string, argv: string[]): Promise<void> {
    this.running.add(key);
    for (let batch = this.queued.get(key); batch?.length; batch = this.queued.get(key)) {
      this.queued.delete(key);
      const r = await this.inner.run(argv, batch.map((q) => q.stdin).join('')).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
      const failedLine = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
      if (r.code === 0 || !failedLine) {
        // All done, or a failure no line owns (ip itself did not start): the same for each.
        for (const q of batch) q.done(r);
        continue;
      }
      let first = 1;
      const rest: Request[] = [];
      for (const q of batch) {
        const last = first + lineCount(q.stdin) - 1;
        if (last < failedLine) q.done({ code: 0, stdout: '', stderr: '' });
        else if (first <= failedLine) q.done({ ...r, stderr: r.stderr.replace(/Command failed -:\d+/, `Command failed -:${failedLine - first + 1}`) });
        else rest.push(q);
        first = last + 1;
      }
      // Not run: ahead of whatever came meanwhile.
      if (rest.length) this.queued.set(key, [...rest, ...(this.queued.get(key) ?? [])]);
    }
    this.running.delete(key);
  }
}
