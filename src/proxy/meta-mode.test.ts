import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeExecer, type ExecCall } from '../../test/support/fake-execer.js';
import { DS_POD_CIDR6, dualStackState } from '../../test/proxy/dual-stack-state.js';
import { TRACE_POD_CIDR } from '../../test/proxy/trace-cases.js';
import { MetaMode } from './meta-mode.js';
import { IptablesMode } from './modes/iptables/iptables-mode.js';
import { IPV4, IPV6 } from './state/family.js';

describe('MetaMode (one proxier per family: iptables and ip6tables)', () => {
  const pair = (failIp6: () => boolean) => {
    const exec = new FakeExecer((c: ExecCall) => {
      if (c.argv.includes('-C')) return { code: 1 };
      if (c.argv[0] === 'ip6tables-restore' && failIp6()) return { code: 2, stderr: 'ip6tables-restore: line 3 failed' };
      return c.argv[0]!.endsWith('-save') ? { stdout: '*nat\nCOMMIT\n' } : {};
    });
    const mode = new MetaMode([new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR, family: IPV4 }), new IptablesMode(exec, { podCIDR: DS_POD_CIDR6, family: IPV6 })]);
    const restores = () => exec.calls.filter((c) => c.argv[0]!.endsWith('-restore'));
    return { exec, mode, restores };
  };

  it('each family gets its own rules from the one state', async () => {
    const { mode, restores } = pair(() => false);
    await mode.apply(dualStackState());
    const [ip, ip6] = restores();
    assert.equal(ip!.argv[0], 'iptables-restore');
    assert.match(ip!.stdin!, /-d 10\.96\.0\.20 /);
    assert.doesNotMatch(ip!.stdin!, /fd00/);
    assert.equal(ip6!.argv[0], 'ip6tables-restore');
    assert.match(ip6!.stdin!, /-d fd00:10:96::20 /);
    assert.doesNotMatch(ip6!.stdin!, /10\.96\.0\.\d|10\.244\./);
  });

  it('a failing family fails the sync but does not stop the other; only the failed one re-syncs in full', async () => {
    let fail = true;
    const { exec, mode, restores } = pair(() => fail);
    await assert.rejects(mode.apply(dualStackState()), /ip6tables-restore: line 3 failed/);
    assert.deepEqual(restores().map((c) => c.argv[0]), ['iptables-restore', 'ip6tables-restore'], 'both tried');
    fail = false;
    exec.calls.length = 0;
    await mode.apply(dualStackState());
    const resync = exec.calls.filter((c) => !c.argv.includes('-C') && !c.argv.includes('-I'));
    // The IPv6 endpoint set read and synced again with its rules; the IPv4 ones were in sync already.
    assert.deepEqual(resync.map((c) => c.argv[0]), ['ipset', 'ipset', 'ip6tables-save', 'ip6tables-restore'], 'the IPv4 rules were in sync already');
    assert.deepEqual(resync.slice(0, 2).map((c) => c.argv.slice(1).join(' ')), ['save tinykube-endpoints6', 'restore -exist']);
  });
});
