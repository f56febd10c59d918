import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagSet } from './flag-set.js';
import { FLAGS, type FlagName } from './flags.js';

test('help: one line per flag at the help column, a long flag on its own line, overrides win', () => {
  const set = new FlagSet(FLAGS, ['api-port', 'datastore-endpoint', 'disable'], { disable: { help: 'node, proxy' } });
  assert.equal(
    set.help(),
    '  --api-port N            HTTPS port of the API server (default 6443; 0 picks a free port)\n' +
      '  --datastore-endpoint LIST\n' +
      '                          etcd endpoints (http://a:2379,http://b:2379); several servers share one;\n' +
      '                          default: SQLite in the data dir (one server)\n' +
      '  --disable LIST          node, proxy\n',
  );
});

test('parse: defaults filled in, an override drops a default, unknown flags refused, -h prints help', (t) => {
  const set = new FlagSet(FLAGS, ['api-port', 'service-cidr', 'node-name'], { 'service-cidr': { default: undefined } });
  assert.deepEqual({ ...set.parse(['--node-name', 'n1'], 'HELP') }, { 'api-port': '6443', 'node-name': 'n1' });
  assert.throws(() => set.parse(['--nodes', '2'], 'HELP'), /Unknown option '--nodes'/);
  const written: string[] = [];
  t.mock.method(process.stdout, 'write', (s: string) => written.push(s));
  assert.equal(set.parse(['-h'], 'HELP'), undefined);
  assert.deepEqual(written, ['HELP']);
});

test('a flag without help of its own is named in the help of another', () => {
  const all = Object.entries(FLAGS) as [FlagName, { arg: string; help?: string }][];
  for (const [name] of all.filter(([, s]) => s.help === undefined)) {
    if (name === 'disable') continue; // each command words its own components
    assert.ok(
      all.some(([, other]) => other.help !== undefined && other.arg.includes(`--${name} `)),
      `--${name} is described nowhere`,
    );
  }
});
