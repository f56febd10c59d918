import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRACE_CASES, TRACE_POD_CIDR } from '../../../../test/proxy/trace-cases.js';
import { NetnsExecer } from '../../../util/execer.js';
import { FakeExecer } from '../../../../test/support/fake-execer.js';
import { NftablesMode } from './nftables-mode.js';
import { renderNftables } from './render.js';
import { renderNftablesChange } from './table-sync.js';
import { dualStackState, DS_POD_CIDR6 } from '../../../../test/proxy/dual-stack-state.js';
import { IPV6 } from '../../state/family.js';

const OPTS = { podCIDR: TRACE_POD_CIDR };
const stateOf = (prefix: string) => TRACE_CASES.find((c) => c.name.startsWith(prefix))!.state();
const A = stateOf('ClusterIP from a pod');
const B = stateOf('ClusterIP without endpoints');
const FULL = /^add table ip tinykube\ndelete table ip tinykube\n/;

describe('NftablesMode', () => {
  it('dual-stack: the ip and the ip6 table in one transaction, each changed only where its family changed', async () => {
    const exec = new FakeExecer();
    const both = [OPTS, { podCIDR: DS_POD_CIDR6, family: IPV6 }];
    const mode = new NftablesMode(exec, both);
    const state = dualStackState();
    await mode.apply(state);
    assert.equal(exec.calls.length, 1);
    assert.equal(exec.calls[0]!.stdin, renderNftables(state, both[0]!) + renderNftables(state, both[1]!));
    // Only the IPv6 endpoints of `web` change: nothing for the ip table.
    const ports = new Map(state.ports);
    const [key, web] = [...ports].find(([, sp]) => sp.service.name === 'web')!;
    ports.set(key, { ...web, endpoints: web.endpoints.filter((e) => e.ip !== 'fd00:10:244:2::5') });
    await mode.apply({ ...state, ports });
    assert.match(exec.calls[1]!.stdin!, /^flush chain ip6 tinykube service-\w+-default\/web\/tcp\/http$/m);
    assert.doesNotMatch(exec.calls[1]!.stdin!, / ip tinykube /);
    await mode.stop();
    assert.equal(exec.calls[2]!.stdin, 'add table ip tinykube\ndelete table ip tinykube\nadd table ip6 tinykube\ndelete table ip6 tinykube\n');
  });

  it('first a full sync, then only changes, nothing when nothing changed', async () => {
    const exec = new FakeExecer();
    const mode = new NftablesMode(exec, OPTS);
    await mode.apply(A);
    await mode.apply(A);
    await mode.apply(B);
    assert.deepEqual(
      exec.calls.map((c) => c.stdin),
      [renderNftables(A, OPTS), renderNftablesChange(A, B, OPTS)],
    );
    assert.deepEqual(exec.calls[0]!.argv, ['nft', '-f', '-']);
  });

  it('a failed nft marks a full sync needed, and the next sync is full', async () => {
    let fail = true;
    const exec = new FakeExecer(() => (fail ? { code: 1, stdout: '', stderr: 'Error: No such file or directory\n' } : { code: 0, stdout: '', stderr: '' }));
    const mode = new NftablesMode(exec, OPTS);
    fail = false;
    await mode.apply(A);
    fail = true;
    await assert.rejects(mode.apply(B), /nft -f failed \(exit 1\): Error: No such file or directory/);
    assert.equal(mode.fullSyncNeeded, true);
    fail = false;
    await mode.apply(B);
    assert.match(exec.calls[2]!.stdin, FULL);
    assert.equal(exec.calls[2]!.stdin, renderNftables(B, OPTS));
    assert.equal(mode.fullSyncNeeded, false);
  });

  it('stop deletes the table, and the next sync is full', async () => {
    const exec = new FakeExecer();
    const mode = new NftablesMode(exec, { ...OPTS, table: 'node-2' });
    await mode.apply(A);
    await mode.stop();
    assert.equal(exec.calls[1]!.stdin, 'add table ip node-2\ndelete table ip node-2\n');
    await mode.apply(A);
    assert.match(exec.calls[2]!.stdin, /^add table ip node-2\ndelete table ip node-2\ntable ip node-2 \{/);
  });
});

describe('NetnsExecer', () => {
  it('gives stdin to the command and returns its output and exit code', async () => {
    assert.deepEqual(await new NetnsExecer().run(['sh', '-c', 'cat; echo oops >&2; exit 3'], 'add table ip t\n'), { code: 3, stdout: 'add table ip t\n', stderr: 'oops\n' });
  });

  it('a missing program is exit 127 with the reason, not an exception', async () => {
    const r = await new NetnsExecer().run(['/nonexistent/nft', '-f', '-'], 'x');
    assert.equal(r.code, 127);
    assert.match(r.stderr, /ENOENT/);
  });
});
