import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpawnHelperExecer } from './spawn-helper.js';
import type { Execer } from './execer.js';
import { requiresCommand } from '../../test/support/requires.js';

const python = requiresCommand(['python3', '-V'], 'apt-get install python3');

describe('SpawnHelperExecer', { skip: python.skip || false }, () => {
  const exec = new SpawnHelperExecer({ concurrency: 4 });
  before(() => python.check());
  after(() => exec.close());

  it('runs commands with stdin, and reports exit codes and output as spawning does', async () => {
    assert.deepEqual(await exec.run(['sh', '-c', 'tr a-z A-Z; echo err >&2; exit 3'], 'hello\n'), { code: 3, stdout: 'HELLO\n', stderr: 'err\n' });
    assert.deepEqual(await exec.run(['true']), { code: 0, stdout: '', stderr: '' });
    const missing = await exec.run(['/nonexistent/tool']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /No such file/);
  });

  it('runs several at once, each answer to its own request', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => exec.run(['sh', '-c', `sleep 0.3; echo ${i}`])));
    assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 8 }, (_, i) => `${i}\n`));
    // 8 sleeps of 0.3 s, 4 at a time: two rounds, not eight.
    assert.ok(performance.now() - started < 8 * 300, `took ${performance.now() - started} ms`);
  });

  it('answers the commands of a helper that died as failed, and starts another for the next', async () => {
    const pending = exec.run(['sleep', '5']);
    const pid = Number((await exec.run(['sh', '-c', 'echo $PPID'])).stdout);
    process.kill(pid, 'SIGKILL');
    const r = await pending;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /spawn helper .* exited/);
    assert.equal((await exec.run(['echo', 'again'])).stdout, 'again\n');
  });

  it('ends its helper on close', async () => {
    const own = new SpawnHelperExecer();
    const pid = Number((await own.run(['sh', '-c', 'echo $PPID'])).stdout);
    await own.close();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});

describe('SpawnHelperExecer without python3', () => {
  it('spawns through its fallback', async () => {
    const ran: string[][] = [];
    const fallback: Execer = { run: async (argv) => (ran.push(argv), { code: 0, stdout: 'direct', stderr: '' }) };
    const exec = new SpawnHelperExecer({ python: '/nonexistent/python3', fallback });
    assert.deepEqual(await Promise.all([exec.run(['a']), exec.run(['b'])]), [0, 1].map(() => ({ code: 0, stdout: 'direct', stderr: '' })));
    assert.deepEqual(await exec.run(['c']), { code: 0, stdout: 'direct', stderr: '' });
    assert.deepEqual(ran, [['a'], ['b'], ['c']]);
  });
});
