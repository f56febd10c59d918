import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './status-errors.js';
import { checkFieldLabels, matchesFields, parseFieldSelector, requiredFieldValue } from './fields.js';

describe('parseFieldSelector', () => {
  const cases: { name: string; in: string; fields: Record<string, string>; want: boolean }[] = [
    { name: 'empty', in: '', fields: {}, want: true },
    { name: 'equals', in: 'metadata.name=web', fields: { 'metadata.name': 'web' }, want: true },
    { name: 'double equals', in: 'metadata.name==web', fields: { 'metadata.name': 'db' }, want: false },
    { name: 'not equals', in: 'status.phase!=Running', fields: { 'status.phase': 'Pending' }, want: true },
    { name: 'missing field is empty', in: 'spec.nodeName=', fields: {}, want: true },
    {
      name: 'several terms in any order',
      in: 'involvedObject.name=web,involvedObject.kind=Service',
      fields: { 'involvedObject.kind': 'Service', 'involvedObject.name': 'web' },
      want: true,
    },
    { name: 'one term fails', in: 'a=1,b=2', fields: { a: '1', b: '3' }, want: false },
    { name: 'escaped comma', in: 'a=x\\,y', fields: { a: 'x,y' }, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(matchesFields(parseFieldSelector(c.in), c.fields), c.want));

  const bad: { name: string; in: string; message: string }[] = [
    { name: 'no operator', in: 'foo', message: "invalid selector: 'foo'; can't understand 'foo'" },
    { name: 'no operator among others', in: 'a=b,foo', message: "invalid selector: 'a=b,foo'; can't understand 'foo'" },
    { name: 'bad escape', in: 'a=\\x', message: 'invalid field selector: invalid escape sequence: \\x' },
    { name: 'unescaped equals', in: 'a=b=c', message: 'invalid field selector: unescaped character in value: =' },
  ];
  for (const c of bad)
    it(`rejects: ${c.name}`, () =>
      assert.throws(() => parseFieldSelector(c.in), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === c.message));
});

describe('checkFieldLabels', () => {
  it('accepts known fields', () => checkFieldLabels(parseFieldSelector('metadata.name=a'), ['metadata.name']));
  it('refuses unknown fields', () =>
    assert.throws(
      () => checkFieldLabels(parseFieldSelector('spec.foo=a'), ['metadata.name']),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'field label not supported: spec.foo',
    ));
  it('requiredFieldValue', () => {
    assert.equal(requiredFieldValue(parseFieldSelector('metadata.name=a,x!=b'), 'metadata.name'), 'a');
    assert.equal(requiredFieldValue(parseFieldSelector('x!=b'), 'x'), undefined);
  });
});
