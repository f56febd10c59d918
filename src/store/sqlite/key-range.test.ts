import assert from 'node:assert/strict';
import { it } from 'node:test';
import { prefixRange } from './key-range.js';

const inRange = (prefix: string, key: string) => {
  const r = prefixRange(prefix);
  return key >= r.from && key < r.to;
};

const cases = [
  { name: 'the prefix itself', prefix: '/a/', key: '/a/', want: true },
  { name: 'a key under the prefix', prefix: '/a/', key: '/a/b/c', want: true },
  { name: 'a sibling sorting before', prefix: '/a/', key: '/a-', want: false },
  { name: 'the first key after the range', prefix: '/a/', key: '/a0', want: false },
  { name: 'a longer name sharing the start', prefix: '/a/b', key: '/a/bc', want: true },
  { name: 'empty prefix takes everything', prefix: '', key: '/anything', want: true },
  { name: 'empty prefix takes astral keys', prefix: '', key: '\u{1F600}', want: true },
];

for (const c of cases) {
  it(`prefixRange: ${c.name}`, () => assert.equal(inRange(c.prefix, c.key), c.want));
}
