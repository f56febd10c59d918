import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupMembers, hostProcessRunner } from './process-runner.js';
import { ledgeredRunner, ProcessLedger } from './process-ledger.js';

const groupAlive = (pid: number): boolean => groupMembers(pid).length > 0;

describe('ProcessLedger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-ledger-'));
  const started: number[] = [];
  after(() => {
    for (const pid of started) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const spawnSleeper = (ledger: ProcessLedger) => {
    const h = ledgeredRunner(hostProcessRunner, ledger).start({
      argv: ['/bin/sh', '-c', 'sleep 30 & exec sleep 30'],
      env: {},
      logPath: join(dir, 'logs', 'x.log'),
    });
    started.push(h.pid!);
    return h;
  };

  it('kills the groups a previous run left behind, children included', async () => {
    const ledger = new ProcessLedger(join(dir, 'a'));
    const h = spawnSleeper(ledger);
    assert.deepEqual(readdirSync(join(dir, 'a')), [String(h.pid)]);
    // A new agent on the same data dir.
    assert.deepEqual(new ProcessLedger(join(dir, 'a')).killLeftovers(), [h.pid]);
    await h.exited;
    assert.equal(groupAlive(h.pid!), false);
    assert.deepEqual(readdirSync(join(dir, 'a')), []);
  });

  it('forgets a process once it exits', async () => {
    const ledger = new ProcessLedger(join(dir, 'b'));
    const h = spawnSleeper(ledger);
    h.signal('SIGKILL');
    await h.exited;
    assert.deepEqual(readdirSync(join(dir, 'b')), []);
  });

  it('spares a pid that now belongs to another process', async () => {
    const ledger = new ProcessLedger(join(dir, 'c'));
    const h = spawnSleeper(ledger);
    writeFileSync(join(dir, 'c', String(h.pid)), '1');
    assert.deepEqual(new ProcessLedger(join(dir, 'c')).killLeftovers(), []);
    assert.equal(groupAlive(h.pid!), true);
    h.signal('SIGKILL');
    await h.exited;
  });
});
