import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('expires entries after their TTL and reports their age', () => {
    let now = 0;
    const c = new TtlCache<string>(10, () => now);
    c.set('a', 'x', 5);
    now = 2500;
    assert.deepEqual(c.get('a'), { value: 'x', ageSeconds: 2 });
    now = 5000;
    assert.equal(c.get('a'), undefined);
    assert.equal(c.size, 0);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const c = new TtlCache<number>(2, () => 0);
    c.set('a', 1, 60);
    c.set('b', 2, 60);
    c.get('a');
    c.set('c', 3, 60);
    assert.equal(c.size, 2);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a')?.value, 1);
  });

  it('does not store what may not be cached', () => {
    const c = new TtlCache<number>(2, () => 0);
    c.set('a', 1, 0);
    assert.equal(c.size, 0);
  });
});
