// The golden files and the mode against the real kernel, inside a network namespace of our own
// (never the host's rules). Needs root and iptables/iproute2; fails, not skips, without them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { NetnsExecer } from './execer.js';
import { IptablesMode } from './iptables-mode.js';
import { GOLDEN, goldenPath, webState } from './testdata/golden-states.js';
import { TRACE_POD_CIDR } from '../trace-cases.js';
import { service, slice } from '../../testing/objects.js';
import { stateFromObjects } from '../../state/build-state.js';

const NS = `tinykube-test-${randomBytes(4).toString('hex')}`;
const exec = new NetnsExecer(NS);

function requireTools(): void {
  if (process.getuid?.() !== 0) throw new Error('iptables kernel tests need root (they create a network namespace)');
  for (const tool of ['ip', 'iptables-restore', 'iptables-save', 'iptables']) {
    const r = spawnSync(tool, ['--version']);
    if (r.error) throw new Error(`${tool} not found (${r.error.message}): apt-get install -y iptables iproute2`);
  }
}

const save = async (table: string): Promise<string> => (await exec.run(['iptables-save', '-t', table])).stdout;

describe('iptables in a network namespace', () => {
  before(() => {
    requireTools();
    const r = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add ${NS}: ${r.stderr}`);
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  for (const g of GOLDEN) {
    it(`${g.name}: iptables-restore --test accepts it, then a real --noflush restore`, async () => {
      const text = fs.readFileSync(goldenPath(g.name), 'utf8');
      const test = await exec.run(['iptables-restore', '--test'], text);
      assert.equal(test.code, 0, test.stderr);
      const real = await exec.run(['iptables-restore', '--noflush'], text);
      assert.equal(real.code, 0, real.stderr);
      assert.match(await save('nat'), /:KUBE-SERVICES/);
    });
  }

  it('the mode syncs, re-syncs without duplicating jumps, deletes stale chains after a restart, and cleans up on stop', async () => {
    const a = webState({}, ['10.244.1.5', '10.244.2.5']);
    const b = stateFromObjects([service('api', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'] })], [slice('api', [{ ip: '10.244.1.7' }])], { nodeName: 'node-1', nodePortIPs: [] });
    const first = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await first.apply(a);
    await first.apply(a);
    let nat = await save('nat');
    assert.equal(nat.match(/-A PREROUTING .*-j KUBE-SERVICES/g)?.length, 1, nat);
    assert.equal(nat.match(/^:KUBE-SEP-/gm)?.length, 2, nat);

    // A new process knows nothing: its first (full) sync reads the kernel to find a's chains.
    const second = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await second.apply(b);
    nat = await save('nat');
    assert.equal(nat.match(/^:KUBE-SEP-/gm)?.length, 1, nat);
    assert.match(nat, /--to-destination 10\.244\.1\.7:8080/);
    assert.doesNotMatch(nat, /10\.244\.2\.5/);

    await second.stop();
    assert.doesNotMatch(await save('nat'), /KUBE-/);
    assert.doesNotMatch(await save('filter'), /KUBE-/);
  });
});
