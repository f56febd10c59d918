// Merged `ip -batch` runs against the real ip, in a namespace this test makes: each request
// keeps its own outcome. Needs root and iproute2: it fails under CI, skips outside it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requiresNetns } from '../../../test/support/requires.js';
import { NetnsExecer, type Execer } from '../../util/execer.js';
import { IpBatchingExecer } from './ip-batching-execer.js';

const NS = `tkt-${randomBytes(3).toString('hex')}-batch`;
const need = requiresNetns();
const BATCH = ['ip', '-n', NS, '-batch', '-'];

describe('IpBatchingExecer', { skip: need.skip || false }, () => {
  const runs: string[] = [];
  const host = new NetnsExecer();
  const exec = new IpBatchingExecer({ run: (argv, stdin) => (runs.push(stdin || argv.join(' ')), host.run(argv, stdin)) } satisfies Execer);
  /** The bridges' names (not a bare /d\d/: a random MAC address has those too). */
  const links = (): string[] => spawnSync('ip', ['-n', NS, '-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' }).stdout.match(/^\d+: (d\d+)[:@]/gm)?.map((l) => l.split(' ')[1]!.replace(/[:@].*/, '')) ?? [];

  before(() => {
    need.check();
    assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
  });
  after(() => spawnSync('ip', ['netns', 'del', NS]));

  it('runs requests that come while one runs as one process; a failed line fails only its request', async () => {
    const [a, b, c, d] = await Promise.all([
      exec.run(BATCH, 'link add d1 type bridge\n'),
      exec.run(BATCH, 'link add d2 type bridge\n'),
      exec.run(BATCH, 'link add d3 type bridge\nlink set nosuchdev up\n'),
      exec.run(BATCH, 'link add d4 type bridge'),
    ]);
    assert.deepEqual([a.code, b.code, d.code], [0, 0, 0]);
    assert.notEqual(c.code, 0);
    // ip's message, with the line of c's own text.
    assert.match(c.stderr, /nosuchdev/);
    assert.match(c.stderr, /Command failed -:2\b/);
    // The first alone; the next three together, stopped at c's second line; d again.
    assert.deepEqual(runs, ['link add d1 type bridge\n', 'link add d2 type bridge\nlink add d3 type bridge\nlink set nosuchdev up\nlink add d4 type bridge\n', 'link add d4 type bridge\n']);
    assert.deepEqual(links().sort(), ['d1', 'd2', 'd3', 'd4']);
  });

  it('runs other commands as they are', async () => {
    runs.length = 0;
    const r = await exec.run(['ip', '-n', NS, '-o', 'link', 'show', 'd1']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /d1/);
    assert.deepEqual(runs, ['ip -n ' + NS + ' -o link show d1']);
  });
});
