import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeExecer } from '../../test/support/fake-execer.js';
import { DS_POD_CIDR6, dualStackState } from '../../test/proxy/dual-stack-state.js';
import { TRACE_POD_CIDR } from '../../test/proxy/trace-cases.js';
import { MetaMode } from './meta-mode.js';
import { NftablesMode } from './modes/nftables/nftables-mode.js';
import { IPV4, IPV6 } from './state/family.js';

describe('MetaMode (one proxier per family)', () => {
  const pair = (failIp6: () => boolean) => {
    const exec = new FakeExecer((c) => (failIp6() && c.stdin?.includes('ip6 tinykube') ? { code: 1, stderr: 'Error: no ip6' } : {}));
    const mode = new MetaMode([new NftablesMode(exec, { podCIDR: TRACE_POD_CIDR, family: IPV4 }), new NftablesMode(exec, { podCIDR: DS_POD_CIDR6, family: IPV6 })]);
    return { exec, mode };
  };

  it('each family gets its own table from the one state', async () => {
    const { exec, mode } = pair(() => false);
    await mode.apply(dualStackState());
    const [ip, ip6] = exec.calls.map((c) => c.stdin!);
    assert.match(ip!, /^table ip tinykube \{/m);
    assert.doesNotMatch(ip!, /fd00/);
    assert.match(ip6!, /^table ip6 tinykube \{/m);
    assert.doesNotMatch(ip6!, /10\.96\.0\.\d|dnat to 10\./);
  });

  it('a failing family fails the sync but does not stop the other; the retry is full for the failed one only', async () => {
    let fail = true;
    const { exec, mode } = pair(() => fail);
    await assert.rejects(mode.apply(dualStackState()), /no ip6/);
    assert.equal(exec.calls.length, 2, 'both tried');
    fail = false;
    exec.calls.length = 0;
    await mode.apply(dualStackState());
    assert.deepEqual(exec.calls.map((c) => c.stdin!.split('\n')[0]), ['add table ip6 tinykube'], 'the ip table was already in sync');
    await mode.stop();
    assert.deepEqual(exec.calls.slice(1).map((c) => c.stdin), ['add table ip tinykube\ndelete table ip tinykube\n', 'add table ip6 tinykube\ndelete table ip6 tinykube\n']);
  });
});
