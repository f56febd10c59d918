// FieldsV1 round trips: a tree in canonical form is kept as it is (no re-encoding of managers a
// write leaves alone); any other is re-encoded as toFieldsV1 builds it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet } from './field-set.js';

const canonical = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } }, 'f:nodeName': {} },
  'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } },
};

describe('FieldSet FieldsV1', () => {
  it('keeps a canonical tree as its encoding, and builds the same tree from its paths', () => {
    const set = FieldSet.fromFieldsV1(canonical);
    assert.equal(set.toFieldsV1(), canonical);
    assert.equal(JSON.stringify(new FieldSet(set.paths()).toFieldsV1()), JSON.stringify(canonical));
  });

  for (const [name, tree] of [
    ['elements out of order', { 'f:spec': { 'f:nodeName': {}, 'f:containers': { 'k:{"name":"c"}': {} } } }],
    ['a key before a field', { 'f:spec': { 'k:{"name":"c"}': {}, 'f:x': {} } }],
    ['"." after a member', { 'f:metadata': { 'f:labels': { 'f:app': {}, '.': {} } } }],
    ['"." alone', { 'f:metadata': { 'f:labels': { '.': {} } } }],
    ['"." at the root', { '.': {}, 'f:spec': {} }],
  ] as const) {
    it(`re-encodes a tree with ${name}`, () => {
      const set = FieldSet.fromFieldsV1(tree);
      const encoded = set.toFieldsV1();
      assert.notEqual(encoded, tree);
      assert.equal(JSON.stringify(encoded), JSON.stringify(new FieldSet(set.paths()).toFieldsV1()));
      assert.notEqual(JSON.stringify(encoded), JSON.stringify(tree));
    });
  }

  it('a difference that removes nothing is the set itself, and keeps its encoding', () => {
    const set = FieldSet.fromFieldsV1(canonical);
    assert.equal(set.difference(new FieldSet([['f:status', 'f:phase']])), set);
    const less = set.difference(new FieldSet([['f:spec', 'f:nodeName']]));
    assert.notEqual(less, set);
    assert.equal(less.has(['f:spec', 'f:nodeName']), false);
    assert.equal(JSON.stringify(less.toFieldsV1()).includes('nodeName'), false);
  });
});
