import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './status-errors.js';
import {
  formatLabelSelector,
  labelSelectorString,
  matchesLabels,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  type LabelSelectorSpec,
} from './labels.js';

describe('parseLabelSelector', () => {
  const cases: { name: string; in: string; text: string; match?: Record<string, string>[]; noMatch?: Record<string, string>[] }[] = [
    { name: 'empty', in: '', text: '', match: [{}, { a: 'b' }] },
    { name: 'equality', in: 'app=web', text: 'app=web', match: [{ app: 'web' }], noMatch: [{}, { app: 'db' }] },
    { name: 'double equals', in: 'app==web', text: 'app==web', match: [{ app: 'web' }] },
    { name: 'not equals', in: 'app!=web', text: 'app!=web', match: [{}, { app: 'db' }], noMatch: [{ app: 'web' }] },
    { name: 'whitespace and sorting', in: ' tier = fe , app=web ', text: 'app=web,tier=fe', match: [{ app: 'web', tier: 'fe' }], noMatch: [{ app: 'web' }] },
    { name: 'in', in: 'env in (prod, qa)', text: 'env in (prod,qa)', match: [{ env: 'qa' }], noMatch: [{}, { env: 'dev' }] },
    { name: 'notin', in: 'env notin (prod)', text: 'env notin (prod)', match: [{}, { env: 'qa' }], noMatch: [{ env: 'prod' }] },
    { name: 'exists', in: 'app', text: 'app', match: [{ app: '' }], noMatch: [{}] },
    { name: 'does not exist', in: '!app', text: '!app', match: [{}], noMatch: [{ app: 'x' }] },
    { name: 'empty value', in: 'x=', text: 'x=', match: [{ x: '' }], noMatch: [{}] },
    { name: 'empty set members', in: 'x in (a,,b)', text: 'x in (,a,b)', match: [{ x: '' }] },
    { name: 'keyword as value', in: 'x in (in)', text: 'x in (in)', match: [{ x: 'in' }] },
    { name: 'greater than', in: 'x>1', text: 'x>1', match: [{ x: '2' }], noMatch: [{ x: '1' }, { x: 'a' }, {}] },
    { name: 'prefixed key', in: 'app.kubernetes.io/name=web', text: 'app.kubernetes.io/name=web', match: [{ 'app.kubernetes.io/name': 'web' }] },
  ];
  for (const c of cases)
    it(c.name, () => {
      const sel = parseLabelSelector(c.in);
      assert.equal(labelSelectorString(sel), c.text);
      for (const l of c.match ?? []) assert.equal(matchesLabels(sel, l), true, JSON.stringify(l));
      for (const l of c.noMatch ?? []) assert.equal(matchesLabels(sel, l), false, JSON.stringify(l));
    });

  const bad: { name: string; in: string; message: string }[] = [
    { name: 'two values', in: 'a=b c', message: "found 'c', expected: ',' or 'end of string'" },
    { name: 'double operator', in: 'x==a==b', message: "found '==', expected: ',' or 'end of string'" },
    { name: 'negated with value', in: '!x=a', message: "found '=', expected: ',' or 'end of string'" },
    { name: 'trailing comma', in: 'a=b,', message: "found '', expected: identifier after ','" },
    { name: 'leading operator', in: '=a', message: "found '=', expected: !, identifier, or 'end of string'" },
    { name: 'in without parenthesis', in: 'a in b', message: "unable to parse requirement: found 'b' expected: '('" },
    { name: 'lt not a number', in: 'x<a', message: "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer" },
    {
      name: 'bad value',
      in: 'a=b@',
      message:
        "unable to parse requirement: values[0][a]: Invalid value: \"b@\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    },
    {
      name: 'bad key',
      in: '-a=b',
      message:
        "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    },
  ];
  for (const c of bad)
    it(`rejects: ${c.name}`, () => {
      assert.throws(() => parseLabelSelector(c.in), (e: unknown) => {
        assert.ok(e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest');
        assert.equal(e.message, c.message);
        return true;
      });
    });
});

describe('structured selectors', () => {
  const cases: { name: string; spec: LabelSelectorSpec | undefined; formatted: string; match: Record<string, string>; want: boolean }[] = [
    { name: 'missing selects nothing', spec: undefined, formatted: '<none>', match: {}, want: false },
    { name: 'empty selects everything', spec: {}, formatted: '<none>', match: { a: 'b' }, want: true },
    { name: 'matchLabels', spec: { matchLabels: { app: 'web', tier: 'fe' } }, formatted: 'app=web,tier=fe', match: { app: 'web', tier: 'fe', x: 'y' }, want: true },
    {
      name: 'matchExpressions',
      spec: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'prod'] }, { key: 'canary', operator: 'DoesNotExist' }] },
      formatted: 'app=web,!canary,env in (prod,qa)',
      match: { app: 'web', env: 'qa' },
      want: true,
    },
    { name: 'bad operator', spec: { matchExpressions: [{ key: 'a', operator: 'Foo' }] }, formatted: '<error>', match: {}, want: false },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(formatLabelSelector(c.spec), c.formatted);
      if (c.formatted !== '<error>') assert.equal(matchesLabels(selectorFromLabelSelector(c.spec), c.match), c.want);
    });

  it('unknown operators are refused', () => {
    assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), /"Foo" is not a valid label selector operator/);
  });

  it('selectorFromSet', () => {
    const sel = selectorFromSet({ b: '2', a: '1' });
    assert.equal(labelSelectorString(sel), 'a=1,b=2');
    assert.equal(matchesLabels(sel, { a: '1', b: '2' }), true);
    assert.equal(matchesLabels(sel, { a: '1' }), false);
    assert.equal(matchesLabels(selectorFromSet(undefined), undefined), true);
  });
});
