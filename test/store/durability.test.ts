// An acknowledged write survives kill -9: a child writes in a loop and prints each write after
// the store returns; we kill it at a random moment, reopen the file and find every printed write
// at its revision with its value. kill -9 leaves the page cache intact, so that alone would pass
// without fsync; the connection's settings are asserted too (a power cut is not simulated here).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openDb } from '../../src/store/sqlite/schema.js';

const WRITER = fileURLToPath(new URL('./durability-writer.ts', import.meta.url));
const ROUNDS = 3;

interface Ack {
  key: string;
  rev: number;
  value: string;
}

let dir: string;
before(() => void (dir = mkdtempSync(join(tmpdir(), 'tinykube-durability-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer until a random moment after it is ready, kills it with SIGKILL, and returns
 *  the writes it acknowledged. */
function writeUntilKilled(path: string, round: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(round)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!out.startsWith('ready\n') && (out + chunk).startsWith('ready\n')) {
        setTimeout(() => child.kill('SIGKILL'), 100 + Math.random() * 300);
      }
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal}`));
      const lines = out.split('\n').slice(1, -1); // after "ready"; the last line may be cut off
      resolve(lines.map((l) => JSON.parse(l) as Ack));
    });
  });
}

it('every acknowledged write survives kill -9', async () => {
  const path = join(dir, 'store.db');
  const acked: Ack[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const acks = await writeUntilKilled(path, round);
    assert.ok(acks.length > 10, `round ${round}: only ${acks.length} writes acknowledged`);
    acked.push(...acks);

    const store = await openSqliteStore(path, { compactIntervalMs: 0 });
    assert.ok((await store.currentRevision()) >= acked[acked.length - 1]!.rev);
    for (const a of acked) {
      const { items } = await store.list(a.key, { revision: a.rev });
      assert.deepEqual(
        items.map((kv) => ({ key: kv.key, rev: kv.modRevision, value: kv.value })),
        [a],
        `round ${round}: write of ${a.key} at ${a.rev}`,
      );
    }
    await store.close();
  }
});

it('the store fsyncs each commit before acknowledging it: WAL with synchronous=FULL', () => {
  // openSqliteStore opens its one connection through openDb; these settings are per connection.
  const db = openDb(join(dir, 'settings.db'), 1_000);
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL (2): a commit is on disk when it returns');
  } finally {
    db.close();
  }
});
