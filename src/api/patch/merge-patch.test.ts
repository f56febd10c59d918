import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../util/status-errors.js';
import { applyMergePatch } from './merge-patch.js';

// The examples of RFC 7386 appendix A, and the shapes kubectl sends.
const cases: { name: string; obj: object; patch: unknown; want: unknown }[] = [
  { name: 'replace a value', obj: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'add a key', obj: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'null deletes', obj: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'arrays replace', obj: { a: ['b'] }, patch: { a: ['c', 'd'] }, want: { a: ['c', 'd'] } },
  { name: 'object replaces a scalar', obj: { a: 'b' }, patch: { a: { c: 'd' } }, want: { a: { c: 'd' } } },
  { name: 'nested nulls in new objects are dropped', obj: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  {
    name: 'nested merge',
    obj: { metadata: { labels: { a: '1', b: '2' } }, spec: { x: 1 } },
    patch: { metadata: { labels: { b: null, c: '3' } } },
    want: { metadata: { labels: { a: '1', c: '3' } }, spec: { x: 1 } },
  },
];

for (const c of cases) {
  test(`merge patch: ${c.name}`, () => {
    const before = structuredClone(c.obj);
    assert.deepEqual(applyMergePatch(c.obj, c.patch), c.want);
    assert.deepEqual(c.obj, before);
  });
}

test('merge patch: the result shares nothing with the input', () => {
  const obj = { spec: { a: { b: 1 } } };
  const got = applyMergePatch(obj, { x: 1 }) as typeof obj;
  got.spec.a.b = 2;
  assert.equal(obj.spec.a.b, 1);
});

test('merge patch rejects a body that is not an object', () => {
  assert.throws(() => applyMergePatch({}, [1]), (e: unknown) => e instanceof StatusError && e.code === 400);
});
