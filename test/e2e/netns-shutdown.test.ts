// Stopping a busy `tinykube up --network netns`: SIGTERM while it is still starting (its agents
// spawned, its nodes not yet Ready), repeated as an impatient supervisor does, until it exits.
// It must exit 0 only after its agents have exited, with its namespaces removed. Needs root
// (fails under CI without it).

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, acquireMachineLock, releaseMachineLock, sleep } from './harness.js';
import { leftovers, netns } from './netns-suite.js';
import { alive } from '../support/processes.js';

const PREFIX = `tksd${process.pid % 10000}`;
const NODES = ['node-1', 'node-2'].map((n) => `${PREFIX}-${n}`);

describe('netns network: SIGTERM to a busy up', { skip: netns.skip }, () => {
  let dataDir = '';
  let up: ChildProcess | undefined;
  let output = '';
  const agents: number[] = [];

  before(async () => {
    netns.check();
    await acquireMachineLock();
    dataDir = mkdtempSync(join(tmpdir(), 'tinykube-e2e-'));
  });

  after(() => {
    // Whatever a failed run left, by pid and by name.
    for (const pid of [up?.pid, ...agents]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    for (const ns of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!)) {
      if (ns.startsWith(`${PREFIX}-`)) spawnSync('ip', ['netns', 'del', ns]);
    }
    rmSync(dataDir, { recursive: true, force: true });
    releaseMachineLock();
  });

  it('stops its agents and removes its network before it exits', async () => {
    up = spawn(process.execPath, [BIN, 'up', '--data-dir', dataDir, '--api-port', '0', '--network', 'netns', '--netns-prefix', PREFIX, '--nodes', '2', '--disable', 'dns'], { stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout!.on('data', (d) => (output += d));
    up.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => up!.once('exit', (code) => resolve(code)));
    // Busy: both agents spawned, the kubeconfig (written once the nodes are Ready) not yet.
    const pidFiles = NODES.map((n) => join(dataDir, 'nodes', n, 'agent.pid'));
    const deadline = Date.now() + 60_000;
    while (!pidFiles.every((f) => existsSync(f) && readFileSync(f, 'utf8').trim())) {
      assert.ok(up.exitCode === null && Date.now() < deadline, `the agents were not started:\n${output}`);
      await sleep(20);
    }
    agents.push(...pidFiles.map((f) => Number(readFileSync(f, 'utf8'))));
    assert.ok(agents.every(alive), 'both agents run');
    // SIGTERM, again every 200 ms until it exits (SIGKILL after 60 s, and the test fails).
    let exitedYet = false;
    void exited.then(() => (exitedYet = true));
    const started = Date.now();
    while (!exitedYet && Date.now() - started < 60_000) {
      up.kill('SIGTERM');
      await Promise.race([exited, sleep(200)]);
    }
    if (!exitedYet) up.kill('SIGKILL');
    const code = await exited;
    // Checked at once: `up` waits for its agents before it exits.
    const survivors = agents.filter(alive);
    assert.equal(code, 0, `up's exit code (after ${Date.now() - started} ms):\n${output}`);
    assert.deepEqual(survivors, [], 'no agent outlives up');
    assert.deepEqual(leftovers(PREFIX, dataDir), [], 'nothing left behind after stop');
  });
});
