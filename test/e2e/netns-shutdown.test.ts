// Stopping `tinykube up --network netns` as a user's terminal and supervisors do:
// - SIGTERM while it is still starting (its agents spawned, its nodes not yet Ready), repeated as
//   an impatient supervisor does, until it exits; a repeated signal is told what the stop waits for;
// - its terminal closed (a real pseudo-terminal hung up: SIGHUP, then writes to it fail).
// Either way it must exit 0 only after its agents have exited, with its namespaces removed.
// - kill -9, while its agents join and while they run a pod: it cannot stop anything, but its
//   agents see their lifeline end and stop themselves and their pods; the next `up` on the data
//   dir takes over the namespaces left and starts clean. A second `up` on the same prefix and
//   another data dir is refused while the first runs (starting would remove its network).
// Needs root (fails under CI without it) and python3 (for the pseudo-terminal).

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, acquireMachineLock, eventually, releaseMachineLock, removeNetns, sleep } from './harness.js';
import { leftovers, netns } from './netns-suite.js';
import { alive, descendants } from '../support/processes.js';
import { TERMINAL } from '../support/terminal.js';

/** One `up` of two netns nodes under PREFIX, with what it writes, its agents' pids, and cleanup. */
function busyUp(prefix: string) {
  const nodes = ['node-1', 'node-2'].map((n) => `${prefix}-${n}`);
  const s = { dataDir: '', proc: undefined as ChildProcess | undefined, output: '', agents: [] as number[], exited: Promise.resolve<number | null>(null) };
  before(async () => {
    netns.check();
    await acquireMachineLock();
    s.dataDir = mkdtempSync(join(tmpdir(), 'tinykube-e2e-'));
  });
  after(() => {
    // Whatever a failed run left, by pid and by name (up itself is among the data dir's processes).
    if (s.dataDir) for (const p of leftovers(prefix, s.dataDir)) if (p.startsWith('pid ')) process.kill(Number(p.slice(4)), 'SIGKILL');
    for (const pid of [s.proc?.pid, ...s.agents]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    removeNetns(prefix);
    rmSync(s.dataDir, { recursive: true, force: true });
    releaseMachineLock();
  });
  const argv = (): string[] => [process.execPath, BIN, 'up', '--data-dir', s.dataDir, '--api-port', '0', '--network', 'netns', '--netns-prefix', prefix, '--nodes', '2', '--disable', 'dns'];
  return Object.assign(s, {
    prefix,
    /** Starts it (through `wrap`, e.g. a terminal), and resolves once both agents run. */
    async start(wrap: string[] = []): Promise<void> {
      const [cmd, ...args] = [...wrap, ...argv()];
      const pidFiles = nodes.map((n) => join(s.dataDir, 'nodes', n, 'agent.pid'));
      // A killed run's, on a restart.
      for (const f of pidFiles) rmSync(f, { force: true });
      s.proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      s.proc.stdout!.on('data', (d) => (s.output += d));
      s.proc.stderr!.on('data', (d) => (s.output += d));
      s.exited = new Promise((resolve) => s.proc!.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (!pidFiles.every((f) => existsSync(f) && readFileSync(f, 'utf8').trim())) {
        assert.ok(s.proc.exitCode === null && Date.now() < deadline, `the agents were not started:\n${s.output}`);
        await sleep(20);
      }
      s.agents.push(...pidFiles.map((f) => Number(readFileSync(f, 'utf8'))));
      assert.ok(s.agents.every(alive), 'both agents run');
    },
    /** Resolves once it has written its banner. */
    async ready(): Promise<void> {
      const deadline = Date.now() + 90_000;
      while (!s.output.includes('tinykube is ready')) {
        assert.ok(s.proc!.exitCode === null && Date.now() < deadline, `not ready:\n${s.output}`);
        await sleep(100);
      }
    },
    /** Checked at once after exit: `up` waits for its agents before it exits. */
    assertStoppedClean(code: number | null, what: string): void {
      assert.equal(code, 0, `up's exit code (${what}):\n${s.output}`);
      assert.deepEqual(s.agents.filter(alive), [], 'no agent outlives up');
      assert.deepEqual(leftovers(prefix, s.dataDir), [], 'nothing left behind after stop');
    },
  });
}

describe('netns network: SIGTERM to a busy up', { skip: netns.skip }, () => {
  const up = busyUp(`tksd${process.pid % 10000}`);

  it('stops its agents and removes its network before it exits, telling a repeated signal what it waits for', async (t) => {
    await up.start();
    // SIGTERM, again every 200 ms until it exits (SIGKILL after 60 s, and the test fails).
    let exitedYet = false;
    void up.exited.then(() => (exitedYet = true));
    const started = Date.now();
    let sent = 0;
    while (!exitedYet && Date.now() - started < 60_000) {
      up.proc!.kill('SIGTERM');
      sent++;
      await Promise.race([up.exited, sleep(200)]);
    }
    if (!exitedYet) up.proc!.kill('SIGKILL');
    up.assertStoppedClean(await up.exited, `after ${Date.now() - started} ms`);
    // One line per step waited on, not one per signal.
    const told = up.output.match(/^tinykube: still stopping, waiting for .+$/gm) ?? [];
    if (sent > 1) assert.ok(told.length >= 1 && told.length <= 5, `${sent} SIGTERMs, told:\n${up.output}`);
    assert.equal(new Set(told).size, told.length, 'each step told once');
    t.diagnostic(`${sent} SIGTERMs; told: ${told.join(' | ')}`);
  });
});

describe('netns network: its terminal closed (SIGHUP)', { skip: netns.skip }, () => {
  const up = busyUp(`tksh${process.pid % 10000}`);

  it('stops as for SIGTERM: agents first, exit 0, nothing left behind', async () => {
    await up.start(['python3', '-c', TERMINAL]);
    // Ready (its banner written to the terminal), then the terminal hangs up.
    await up.ready();
    up.proc!.stdin!.end();
    const code = await Promise.race([up.exited, sleep(60_000).then(() => 'timeout' as const)]);
    assert.notEqual(code, 'timeout', `up did not stop after SIGHUP:\n${up.output}`);
    up.assertStoppedClean(code as number | null, 'after SIGHUP');
  });
});

describe('netns network: up killed (kill -9)', { skip: netns.skip }, () => {
  const up = busyUp(`tksk${process.pid % 10000}`);
  /** Kills up, then waits for its agents and everything below them to stop on their own. */
  const killAndWait = async (what: string): Promise<void> => {
    const below = up.agents.flatMap((a) => [a, ...descendants(a)]);
    up.proc!.kill('SIGKILL');
    await up.exited;
    // An agent's graceful stop is bounded by up's own 20 s wait for it.
    await eventually(() => below.filter(alive).length === 0, 25_000, `the agents and their processes to stop (${what})`);
  };
  const restart = async (): Promise<void> => {
    up.output = '';
    up.agents.length = 0;
    await up.start();
  };

  it('its agents stop themselves, joining or running pods; the next up on the data dir starts clean', async () => {
    // While the agents join: their start waits on a server that has gone.
    await up.start();
    await killAndWait('while joining');
    await restart();
    await up.ready();
    const kubectl = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', join(up.dataDir, 'kubeconfig'), ...args], { encoding: 'utf8' });
    kubectl(['run', 'box', '--image=busybox', '--', 'sleep', '3600']);
    await eventually(() => kubectl(['wait', '--for=condition=Ready', 'pod/box', '--timeout=2s']).status === 0, 30_000, 'a pod running');
    // A second cluster on the same prefix would reconcile (remove) this one's network: refused.
    const other = mkdtempSync(join(tmpdir(), 'tinykube-e2e-'));
    try {
      const second = spawnSync(process.execPath, [BIN, 'up', '--data-dir', other, '--api-port', '0', '--network', 'netns', '--netns-prefix', up.prefix, '--nodes', '1'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(second.status, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`^tinykube: --netns-prefix ${up.prefix}: its namespaces are in use by another cluster \\(an agent, pid \\d+, of data dir ${up.dataDir}\\); stop that cluster, or give this one another --netns-prefix\n$`));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    assert.deepEqual(up.agents.filter((a) => !alive(a)), [], 'its agents run on');
    await killAndWait('running a pod');
    await restart();
    await up.ready();
    up.proc!.kill('SIGTERM');
    up.assertStoppedClean(await up.exited, 'after a restart');
    const shell = spawnSync(process.execPath, [BIN, 'shell', '--data-dir', up.dataDir, '--', 'true'], { encoding: 'utf8' });
    assert.equal(shell.status, 1);
    assert.equal(shell.stderr, `tinykube: the cluster of ${up.dataDir} is not running (no network namespace ${up.prefix}-node-1): start it with tinykube up\n`);
  });
});
