// What giving log lines their times costs the agent: a chatty container (a shell loop, one
// write per line) spawned onto its log file as the node's process runner does, with the
// watcher that records when the file grew (src/node/log-times.ts, what the runner adds), against
// the same spawn with nothing watching (the runner before timestamps). Prints the agent's CPU
// time, the wall time and the size of the times record.
//
//   npx tsx bench/log-times.ts [--lines 20000] [--rounds 3]

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { timesPath, watchLogTimes } from '../src/node/log-times.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const argv = ['/bin/sh', '-c', `i=0; while [ $i -lt ${LINES} ]; do echo "line $i of a chatty container"; i=$((i+1)); done`];

interface Run {
  cpuMs: number;
  wallMs: number;
  logBytes: number;
  timesBytes: number;
}

async function measure(dir: string, name: string, run: (logPath: string) => Promise<void>): Promise<Run> {
  const logPath = join(dir, `${name}.log`);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run(logPath);
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const size = (p: string): number => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return { cpuMs: (used.user + used.system) / 1000, wallMs, logBytes: size(logPath), timesBytes: size(timesPath(logPath)) };
}

function bare(logPath: string): Promise<void> {
  const fd = openSync(logPath, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function watched(logPath: string): Promise<void> {
  closeSync(openSync(logPath, 'a'));
  const times = watchLogTimes(logPath);
  await bare(logPath);
  times.stop();
}

const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-logtimes-'));
try {
  const rows: [string, Run][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rows.push(['bare (peer)', await measure(dir, `bare-${r}`, bare)]);
    rows.push(['watched', await measure(dir, `watched-${r}`, watched)]);
  }
  const mean = (name: string, k: keyof Run): number => {
    const xs = rows.filter(([n]) => n === name).map(([, v]) => v[k]);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  console.log(`${LINES} lines, one write each, ${ROUNDS} rounds (mean):`);
  console.log('runner        agent CPU ms   wall ms   log bytes   times bytes');
  for (const name of ['bare (peer)', 'watched']) {
    console.log(
      `${name.padEnd(12)}  ${mean(name, 'cpuMs').toFixed(1).padStart(12)}  ${mean(name, 'wallMs').toFixed(0).padStart(8)}  ${mean(name, 'logBytes').toFixed(0).padStart(10)}  ${mean(name, 'timesBytes').toFixed(0).padStart(12)}`,
    );
  }
  const extraCpu = mean('watched', 'cpuMs') - mean('bare (peer)', 'cpuMs');
  console.log(`watching costs the agent ${extraCpu.toFixed(1)} ms CPU for ${LINES} lines (${((extraCpu * 1000) / LINES).toFixed(2)} µs a line); wall ratio watched/bare ${(mean('watched', 'wallMs') / mean('bare (peer)', 'wallMs')).toFixed(2)}; the times record is ${((100 * mean('watched', 'timesBytes')) / mean('watched', 'logBytes')).toFixed(1)}% of the log`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
