// Child process of durability.test.ts: writes to the store in four concurrent loops and prints
// every write once the store has acknowledged it, until it is killed.
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const [path, round] = process.argv.slice(2) as [string, string];
const KEYS = 40;
const pad = 'x'.repeat(200);

const store = await openSqliteStore(path, { compactIntervalMs: 0, groupCommit: true });
process.stdout.write('ready\n');
/** One of several loops writing at once, each on keys of its own, so their writes share commits
 *  (group commit) and each is printed once its commit is acknowledged. */
async function writer(id: number): Promise<void> {
  for (let n = 0; ; n++) {
    const key = `/durability/w${id}/k${String(Math.floor(Math.random() * KEYS)).padStart(3, '0')}`;
    const value = JSON.stringify({ round, n, pad });
    const current = await store.get(key);
    const kv = current ? await store.update(key, value, current.modRevision) : await store.create(key, value);
    process.stdout.write(`${JSON.stringify({ key, rev: kv.modRevision, value })}\n`);
  }
}
await Promise.all([0, 1, 2, 3].map(writer));
