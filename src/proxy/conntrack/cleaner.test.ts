import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { type ExecResult } from '../../util/execer.js';
import { FakeExecer, type ExecCall } from '../../../test/support/fake-execer.js';
import { ConntrackCleaner } from './cleaner.js';
import type { ConntrackDeletion } from './plan.js';

const LISTED = 'udp      17 27 src=172.20.0.2 dst=10.96.0.13 sport=40053 dport=53 src=10.244.1.5 dst=172.20.0.11 sport=5353 dport=40053 mark=0 use=1\n';
const vips = (n: number): ConntrackDeletion[] => Array.from({ length: n }, (_, i) => ({ origDst: `10.96.0.${10 + i}`, origPortDst: 53 }));

function cleaner(respond: (c: ExecCall) => Partial<ExecResult>) {
  const exec = new FakeExecer(respond);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l).msg) });
  return { exec, lines, cleaner: new ConntrackCleaner(exec, log) };
}

describe('ConntrackCleaner (FakeExecer)', () => {
  it('a few deletions run as they are; "0 flow entries have been deleted" (exit 1) is no error', async () => {
    const { exec, lines, cleaner: c } = cleaner((call) => (call.argv.includes('10.96.0.10') ? { code: 1, stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.' } : { stderr: 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been deleted.' }));
    assert.equal(await c.delete(vips(2)), 2);
    assert.deepEqual(exec.calls.map((x) => x.argv.join(' ')), ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53', 'conntrack -D -p udp --orig-dst 10.96.0.11 --orig-port-dst 53']);
    assert.deepEqual(lines, []);
  });

  it('many deletions: one listing, then only the filters that match an entry', async () => {
    const { exec, cleaner: c } = cleaner((call) => (call.argv[1] === '-L' ? { stdout: LISTED } : { stderr: '1 flow entries have been deleted.' }));
    assert.equal(await c.delete(vips(20)), 1);
    assert.deepEqual(exec.calls.map((x) => x.argv.join(' ')), ['conntrack -L -f ipv4 -p udp', 'conntrack -D -p udp --orig-dst 10.96.0.13 --orig-port-dst 53']);
  });

  it('conntrack missing: logged once, nothing else tried', async () => {
    const { exec, lines, cleaner: c } = cleaner(() => ({ code: 127, stderr: 'spawn conntrack ENOENT' }));
    await c.delete(vips(2));
    await c.delete(vips(2));
    assert.equal(exec.calls.length, 2);
    assert.equal(lines.filter((l) => l.startsWith('conntrack not found')).length, 1);
  });

  it('another failure is logged and the rest still run', async () => {
    const { exec, lines, cleaner: c } = cleaner((call) => (call.argv.includes('10.96.0.10') ? { code: 2, stderr: 'Operation not permitted' } : {}));
    await c.delete(vips(2));
    assert.equal(exec.calls.length, 2);
    assert.deepEqual(lines, ['failed to clear conntrack entries']);
  });
});
