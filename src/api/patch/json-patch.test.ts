import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../util/status-errors.js';
import { applyJsonPatch } from './json-patch.js';

const obj = { metadata: { name: 'x', labels: { a: '1' } }, spec: { ports: [{ port: 80 }] } };

const cases: { name: string; ops: unknown; want: unknown }[] = [
  {
    name: 'add, replace, remove',
    ops: [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'replace', path: '/spec/ports/0/port', value: 81 },
      { op: 'remove', path: '/metadata/labels/a' },
    ],
    want: { metadata: { name: 'x', labels: { b: '2' } }, spec: { ports: [{ port: 81 }] } },
  },
  {
    name: 'test then append to a list',
    ops: [
      { op: 'test', path: '/metadata/name', value: 'x' },
      { op: 'add', path: '/spec/ports/-', value: { port: 443 } },
    ],
    want: { metadata: { name: 'x', labels: { a: '1' } }, spec: { ports: [{ port: 80 }, { port: 443 }] } },
  },
  { name: 'empty patch', ops: [], want: obj },
];

for (const c of cases) {
  test(`json patch: ${c.name}`, () => {
    const before = structuredClone(obj);
    assert.deepEqual(applyJsonPatch(obj, c.ops), c.want);
    assert.deepEqual(obj, before);
  });
}

test('json patch: added values are copies of the patch', () => {
  const value = { port: 443 };
  const got = applyJsonPatch(obj, [{ op: 'add', path: '/spec/ports/-', value }]) as typeof obj;
  got.spec.ports[1].port = 1;
  assert.equal(value.port, 443);
});

const errorCases: { name: string; ops: unknown; code: number; message: string }[] = [
  { name: 'not a list', ops: { op: 'add' }, code: 400, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
  {
    name: 'path not a string',
    ops: [{ op: 'add', path: 1 }],
    code: 400,
    message: 'json: cannot unmarshal number into Go struct field Operation.path of type string',
  },
  { name: 'unknown op', ops: [{ op: 'frob', path: '/a' }], code: 422, message: 'Unexpected kind: frob' },
  { name: 'failed test', ops: [{ op: 'test', path: '/metadata/name', value: 'y' }], code: 422, message: 'testing value /metadata/name failed: test failed' },
  {
    name: 'remove of a missing key',
    ops: [{ op: 'remove', path: '/metadata/nope' }],
    code: 422,
    message: "error in remove for path: '/metadata/nope': Unable to remove nonexistent key: nope: missing value",
  },
  {
    name: 'add under a missing parent',
    ops: [{ op: 'add', path: '/status/x', value: 1 }],
    code: 422,
    message: 'add operation does not apply: doc is missing path: "/status/x": missing value',
  },
];

for (const c of errorCases) {
  test(`json patch rejects: ${c.name}`, () => {
    assert.throws(
      () => applyJsonPatch(obj, c.ops),
      (e: unknown) => {
        assert.ok(e instanceof StatusError);
        assert.equal(e.code, c.code);
        const message = c.code === 422 ? e.details?.causes?.[0]?.message : e.message;
        assert.equal(message, c.message);
        if (c.code === 422) assert.equal(e.reason, 'Invalid');
        return true;
      },
    );
  });
}
