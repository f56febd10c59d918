// The tutorial images as served (serve.ts) on a loopback address: what curl sees of the Flask
// backend, the React frontend and nginx:1.7.9, what they log, and the postgres image's first
// start, init scripts and wire protocol, checked with Debian's own pg_isready and psql.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve } from './serve.js';
import { statementTags } from './postgres.js';
import type { BuiltinSpec } from './spec.js';

const dir = mkdtempSync(join(tmpdir(), 'tinykube-tutorial-images-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HOST = '127.0.0.1';
const run = promisify(execFile);
const hasPgClient = spawnSync('pg_isready', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, HOST, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Serves the spec on a free port; its log lines, and a stop. */
async function start(spec: Omit<BuiltinSpec, 'host' | 'listeners'>, proto: 'http' | 'postgres', env: Record<string, string> = {}) {
  const port = await freePort();
  const lines: string[] = [];
  const running = await serve({ ...spec, host: HOST, listeners: [{ port, proto, required: true }] }, { name: 'backend-5f7c9', namespace: 'default', ip: HOST, env }, {
    log: (l) => lines.push(l),
    exit: () => {},
  });
  after(() => running.close());
  return { port, lines, url: `http://${HOST}:${port}` };
}

const curl = async (url: string): Promise<{ head: string; body: string }> => {
  const { stdout } = await run('curl', ['-s', '-i', '-m', '3', url]);
  const [head, ...body] = stdout.split('\r\n\r\n');
  return { head: head!, body: body.join('\r\n\r\n') };
};

describe('tutorial images', () => {
  it('lyzhang1999/backend: /healthy and /host_name as Flask answers them, Werkzeug 404s and log lines', async () => {
    const s = await start({ kind: 'flask-backend' }, 'http');
    assert.match(s.lines.join('\n'), new RegExp(`^ \\* Running on http://127\\.0\\.0\\.1:${s.port}$`, 'm'));
    const healthy = await curl(`${s.url}/healthy`);
    assert.equal(healthy.body, '{"healthy":true}\n');
    assert.match(healthy.head, /^Content-Type: application\/json/im);
    assert.match(healthy.head, /^Server: Werkzeug\//im);
    assert.equal((await curl(`${s.url}/host_name`)).body, '{"host_name":"backend-5f7c9"}\n');
    const missing = await curl(`${s.url}/nope`);
    assert.match(missing.head, /^HTTP\/1\.1 404/);
    assert.match(missing.body, /<h1>Not Found<\/h1>/);
    assert.match(s.lines.at(-1)!, /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/nope HTTP\/1\.1" 404 -$/);
  });

  it('lyzhang1999/frontend: the React dev server page on any path, its start-up lines', async () => {
    const s = await start({ kind: 'react-frontend' }, 'http');
    assert.ok(s.lines.includes('Compiled successfully!'));
    for (const path of ['/', '/some/route']) {
      const page = await curl(`${s.url}${path}`);
      assert.match(page.head, /^X-Powered-By: Express/im);
      assert.match(page.body, /<div id="root"><\/div>/);
    }
  });

  it("nginx:1.7.9: its version in the Server header and 404s, its 612-byte welcome page", async () => {
    const s = await start({ kind: 'nginx', version: '1.7.9' }, 'http');
    const page = await curl(`${s.url}/`);
    assert.match(page.head, /^Server: nginx\/1\.7\.9\r?$/im);
    assert.match(page.head, /^Content-Length: 612\r?$/im);
    assert.match((await curl(`${s.url}/x`)).body, /<center>nginx\/1\.7\.9<\/center>/);
    const current = await start({ kind: 'nginx', version: '1.27.3' }, 'http');
    assert.match((await curl(`${current.url}/`)).head, /^Content-Length: 615\r?$/im);
  });

  it('postgres: psql tags of an init script', () => {
    assert.deepEqual(statementTags("-- init\nCREATE TABLE t (id int);\ninsert into t values (1), (2);\nCREATE UNIQUE INDEX i ON t (id);\n"), ['CREATE TABLE', 'INSERT 0 2', 'CREATE INDEX']);
  });

  describe('postgres', { skip: !hasPgClient && !process.env.CI && 'pg_isready is not installed (apt-get install postgresql-client)' }, () => {
    const data = join(dir, 'pgdata');
    const initdb = join(dir, 'initdb');
    mkdirSync(initdb);
    writeFileSync(join(initdb, 'init.sql'), 'CREATE TABLE visits (id serial PRIMARY KEY);\n');
    const env = { POSTGRES_USER: 'app', POSTGRES_PASSWORD: 's3cret', POSTGRES_DB: 'shop' };
    // Asynchronous: the server answers from this very process.
    const client = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(cmd, args, { encoding: 'utf8', timeout: 10_000, env: { ...process.env, PGCONNECT_TIMEOUT: '3', ...env } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const psql = (port: number, user: string, password: string, db: string) =>
      client('psql', ['-h', HOST, '-p', String(port), '-U', user, '-d', db, '-c', 'select 1'], { PGPASSWORD: password });

    it('without POSTGRES_PASSWORD the entrypoint refuses to initialise', async () => {
      await assert.rejects(start({ kind: 'postgres', pg: { data: join(dir, 'empty') } }, 'postgres'), /Database is uninitialized and superuser password is not specified/);
    });

    it('first start: initialises, runs the init scripts with the entrypoint lines, and pg_isready sees it accepting connections', async () => {
      const s = await start({ kind: 'postgres', pg: { data, initdb } }, 'postgres', env);
      const log = s.lines.join('\n');
      assert.match(log, /^\/usr\/local\/bin\/docker-entrypoint\.sh: running \/docker-entrypoint-initdb\.d\/init\.sql\nCREATE TABLE$/m);
      assert.match(log, /^CREATE DATABASE$/m);
      assert.match(log, /LOG: {2}database system is ready to accept connections$/);
      const ready = await client('pg_isready', ['-h', HOST, '-p', String(s.port)]);
      assert.equal(ready.stdout.trim(), `${HOST}:${s.port} - accepting connections`);
      assert.equal(ready.code, 0);
      // The roles and database the environment named, as PostgreSQL refuses the rest.
      assert.match((await psql(s.port, 'app', 'wrong', 'shop')).stderr, /FATAL: {2}password authentication failed for user "app"/);
      assert.match((await psql(s.port, 'app', 's3cret', 'other')).stderr, /FATAL: {2}database "other" does not exist/);
      const ok = await psql(s.port, 'app', 's3cret', 'shop');
      assert.match(ok.stderr, /keeps no data/);
      assert.doesNotMatch(ok.stderr, /FATAL/);
      assert.match(s.lines.join('\n'), /FATAL: {2}password authentication failed for user "app"/);
    });

    it('a second start on the same data skips initialisation and keeps the first roles', async () => {
      const s = await start({ kind: 'postgres', pg: { data, initdb } }, 'postgres', { POSTGRES_PASSWORD: 'changed' });
      assert.match(s.lines.join('\n'), /PostgreSQL Database directory appears to contain a database; Skipping initialization/);
      assert.doesNotMatch(s.lines.join('\n'), /running/);
      assert.match((await psql(s.port, 'app', 'changed', 'shop')).stderr, /password authentication failed/);
    });
  });
});
