import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './eventually.js';
import { MachineLock } from './machine-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'tinykube-lock-test-'));
const LOCK = join(dir, 'e2e.lock');
const LOG = join(dir, 'log');
after(() => rmSync(dir, { recursive: true, force: true }));

// A process taking the lock ROUNDS times in a row, each held HOLD_MS (and, if GO is set, until
// that file exists), logging when it holds it.
const HOLDER = `
import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MachineLock } from ${JSON.stringify(new URL('./machine-lock.ts', import.meta.url).href)};
const { LOCK, LOG, NAME, ROUNDS, HOLD_MS, GO } = process.env;
const lock = new MachineLock(LOCK);
for (let i = 1; i <= Number(ROUNDS); i++) {
  await lock.acquire();
  appendFileSync(LOG, NAME + i + ' in\\n');
  await sleep(Number(HOLD_MS));
  while (GO && !existsSync(GO)) await sleep(20);
  appendFileSync(LOG, NAME + i + ' out\\n');
  lock.release();
}
`;

function holder(name: string, rounds: number, holdMs: number, go = ''): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOLDER], {
    env: { ...process.env, LOCK, LOG, NAME: name, ROUNDS: String(rounds), HOLD_MS: String(holdMs), GO: go },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const log = (): string[] => (existsSync(LOG) ? readFileSync(LOG, 'utf8').trim().split('\n') : []);
const tickets = (): string[] => (existsSync(`${LOCK}.queue`) ? readdirSync(`${LOCK}.queue`) : []);

describe('MachineLock', () => {
  it('is first come first served: a holder that releases and re-takes it queues behind the waiters', async () => {
    // A holds the lock until B and C queue behind it, then releases it and at once asks again.
    const go = join(dir, 'go');
    const a = holder('A', 2, 0, go);
    await eventually(() => log().includes('A1 in'), 20_000, 'A holds the lock');
    const b = holder('B', 1, 50);
    await eventually(() => tickets().length === 2, 20_000, "B's ticket");
    const c = holder('C', 1, 50);
    await eventually(() => tickets().length === 3, 20_000, "C's ticket");
    writeFileSync(go, '');
    assert.deepEqual(await Promise.all([a, b, c]), [0, 0, 0]);
    // One holder at a time (each in followed by its out), in the order they asked.
    assert.deepEqual(log(), ['A1 in', 'A1 out', 'B1 in', 'B1 out', 'C1 in', 'C1 out', 'A2 in', 'A2 out']);
    assert.deepEqual(tickets(), [], 'every ticket released');
    assert.equal(existsSync(LOCK), false, 'the lock file released');
  });

  it("skips and removes a dead holder's lock file and ticket", async () => {
    const dead = spawnSync('true').pid;
    mkdirSync(`${LOCK}.queue`, { recursive: true });
    writeFileSync(join(`${LOCK}.queue`, '0000000000000001'), String(dead));
    writeFileSync(LOCK, String(dead));
    const lock = new MachineLock(LOCK);
    const got = await Promise.race([lock.acquire().then(() => 'held'), sleep(5_000).then(() => 'still waiting')]);
    assert.equal(got, 'held');
    assert.equal(readFileSync(LOCK, 'utf8'), String(process.pid), 'the lock file is ours');
    assert.deepEqual(tickets().map((t) => readFileSync(join(`${LOCK}.queue`, t), 'utf8')), [String(process.pid)], "the dead holder's ticket is gone");
    lock.release();
    assert.equal(existsSync(LOCK), false);
    assert.deepEqual(tickets(), []);
  });
});
