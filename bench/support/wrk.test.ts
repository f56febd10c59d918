// parseWrk on the real wrk's output (run with `node --import tsx --test bench/support/wrk.test.ts`;
// npm test does not look under bench/).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWrk, wrkArgs, wrkTrouble } from './wrk.js';
import { requiresCommand } from '../../test/support/requires.js';

const needsWrk = requiresCommand(['wrk', '-v'], 'apt-get install wrk');

describe('parseWrk', { skip: needsWrk.skip }, () => {
  before(needsWrk.check);
  let server: http.Server;
  let base: string;
  before(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('ok\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  // Not spawnSync: the server answers from this process's event loop.
  const run = async (path: string, newConnEach: boolean) => {
    const { stdout } = await promisify(execFile)('wrk', wrkArgs(`${base}${path}`, { threads: 1, connections: 2, seconds: 1, newConnEach }));
    return parseWrk(stdout);
  };

  it('reads requests/s and p99 in milliseconds, keep-alive and a new connection per request', async () => {
    for (const newConn of [false, true]) {
      const r = await run('/', newConn);
      assert.ok(r.rps > 0, `rps ${r.rps}`);
      assert.ok(r.p99ms > 0 && r.p99ms < 1000, `p99 ${r.p99ms} ms`);
      assert.equal(wrkTrouble(r), undefined);
    }
  });

  it('reports non-2xx answers', async () => {
    const r = await run('/fail', false);
    assert.ok((r.non2xx ?? 0) > 0);
    assert.match(wrkTrouble(r)!, /non-2xx \d+/);
  });
});
