import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allStatFields, readStatFields, statFields } from './proc-stat.js';

describe('proc-stat', () => {
  it('fields start after the last parenthesis: a command name may hold spaces and ") ("', () => {
    const f = statFields('4242 (a) (b c) S 17 4242 4242 0 -1 4194560 0 0 0 0 3 5');
    assert.deepEqual(f.slice(0, 3), ['S', '17', '4242']);
    assert.deepEqual([f[11], f[12]], ['3', '5']);
  });

  it("reads this process: its parent and its group, in the scan of every process too", () => {
    const own = readStatFields(process.pid);
    assert.equal(Number(own?.[1]), process.ppid);
    assert.deepEqual(allStatFields().get(process.pid)?.slice(1, 3), own?.slice(1, 3));
    assert.equal(readStatFields(2 ** 22 + 1), undefined);
  });
});
