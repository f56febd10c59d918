import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../util/name-format.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import type { ObjectMeta } from '../types.js';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QN_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('name formats', () => {
  const cases: { name: string; fn: (v: string) => string[]; value: string; want: string[] }[] = [
    { name: 'label ok', fn: isDNS1123Label, value: 'my-name', want: [] },
    { name: 'label starting with a digit ok', fn: isDNS1123Label, value: '123-abc', want: [] },
    { name: 'label upper case', fn: isDNS1123Label, value: 'Bad_Svc', want: [LABEL_MSG] },
    { name: 'label with dots', fn: isDNS1123Label, value: 'a.b', want: ['must not contain dots'] },
    { name: 'label too long', fn: isDNS1123Label, value: 'a'.repeat(64), want: ['must be no more than 63 characters'] },
    { name: 'label empty', fn: isDNS1123Label, value: '', want: [LABEL_MSG] },
    { name: 'subdomain ok', fn: isDNS1123Subdomain, value: 'webapp.17f1a2b3c4d5e6f7', want: [] },
    { name: 'subdomain bad', fn: isDNS1123Subdomain, value: 'a..b', want: [SUBDOMAIN_MSG] },
    {
      name: 'subdomain too long',
      fn: isDNS1123Subdomain,
      value: `${'a'.repeat(253)}-`,
      want: ['must be no more than 253 characters', SUBDOMAIN_MSG],
    },
    { name: 'dns1035 ok', fn: isDNS1035Label, value: 'abc-123', want: [] },
    { name: 'dns1035 leading digit', fn: isDNS1035Label, value: '1abc', want: [DNS1035_MSG] },
    { name: 'qualified name ok', fn: isQualifiedName, value: 'app.kubernetes.io/Name_1', want: [] },
    { name: 'qualified name bad name part', fn: isQualifiedName, value: 'a/-x', want: [QN_NAME_MSG] },
    { name: 'qualified name empty prefix', fn: isQualifiedName, value: '/x', want: ['prefix part must be non-empty'] },
    {
      name: 'qualified name bad prefix',
      fn: isQualifiedName,
      value: 'A/x',
      want: [`prefix part ${SUBDOMAIN_MSG}`],
    },
    {
      name: 'qualified name empty name part',
      fn: isQualifiedName,
      value: 'a/',
      want: ['name part must be non-empty', QN_NAME_MSG],
    },
    {
      name: 'qualified name two slashes',
      fn: isQualifiedName,
      value: 'a/b/c',
      want: [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    },
    { name: 'label value empty ok', fn: isValidLabelValue, value: '', want: [] },
    { name: 'label value bad', fn: isValidLabelValue, value: 'a b', want: [VALUE_MSG] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.fn(c.value), c.want));
});

describe('validateObjectMeta', () => {
  const cases: { name: string; meta: ObjectMeta | undefined; namespaced: boolean; want: string[] }[] = [
    { name: 'valid namespaced', meta: { name: 'web', namespace: 'default' }, namespaced: true, want: [] },
    {
      name: 'no name',
      meta: { namespace: 'default' },
      namespaced: true,
      want: ['metadata.name: Required value: name or generateName is required'],
    },
    { name: 'no metadata', meta: undefined, namespaced: false, want: ['metadata.name: Required value: name or generateName is required'] },
    { name: 'bad name', meta: { name: 'Bad', namespace: 'default' }, namespaced: true, want: [`metadata.name: Invalid value: "Bad": ${LABEL_MSG}`] },
    { name: 'no namespace', meta: { name: 'web' }, namespaced: true, want: ['metadata.namespace: Required value'] },
    {
      name: 'namespace on a cluster-scoped kind',
      meta: { name: 'web', namespace: 'default' },
      namespaced: false,
      want: ['metadata.namespace: Forbidden: not allowed on this type'],
    },
    {
      name: 'bad label value',
      meta: { name: 'web', labels: { app: 'a b' } },
      namespaced: false,
      want: [`metadata.labels: Invalid value: "a b": ${VALUE_MSG}`],
    },
    {
      name: 'bad label key',
      meta: { name: 'web', labels: { 'a/-x': 'v' } },
      namespaced: false,
      want: [`metadata.labels: Invalid value: "a/-x": ${QN_NAME_MSG}`],
    },
    {
      name: 'annotation keys are case-insensitive',
      meta: { name: 'web', annotations: { 'Example.COM/Key': 'v' } },
      namespaced: false,
      want: [],
    },
    {
      name: 'annotations too large',
      meta: { name: 'web', annotations: { a: 'x'.repeat(256 * 1024) } },
      namespaced: false,
      want: ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    },
    {
      name: 'two controllers',
      meta: {
        name: 'web',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      namespaced: false,
      want: [
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
      ],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const errs = validateObjectMeta(c.meta, { namespaced: c.namespaced, validateName: isDNS1123Label });
      assert.deepEqual(errs.map((e) => `${e.field}: ${e.message}`), c.want);
    });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 2 };
  const cases: { name: string; meta: ObjectMeta; old?: ObjectMeta; want: string[] }[] = [
    { name: 'unchanged', meta: { ...old, labels: { a: 'b' } }, want: [] },
    { name: 'name changed', meta: { ...old, name: 'other' }, want: ['metadata.name: Invalid value: "other": field is immutable'] },
    { name: 'uid changed', meta: { ...old, uid: 'u2' }, want: ['metadata.uid: Invalid value: "u2": field is immutable'] },
    {
      name: 'creationTimestamp changed',
      meta: { ...old, creationTimestamp: '2025-01-01T00:00:00Z' },
      want: ['metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable'],
    },
    { name: 'generation decremented', meta: { ...old, generation: 1 }, want: ['metadata.generation: Invalid value: 1: must not be decremented'] },
    {
      name: 'finalizer added while deleting',
      meta: { ...old, deletionTimestamp: 'x', finalizers: ['a/b'] },
      old: { ...old, deletionTimestamp: 'x' },
      want: ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a/b"}'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const errs = validateObjectMetaUpdate(c.meta, c.old ?? old);
      assert.deepEqual(errs.map((e) => `${e.field}: ${e.message}`), c.want);
    });
});
