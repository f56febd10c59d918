import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { FakeExecer, type ExecCall } from '../../../test/support/fake-execer.js';
import { announcers } from './choose.js';
import { L2Announcer } from './announcer.js';

const NODES = ['node-1', 'node-2'];
// Addresses node-1 wins and loses, whatever the hash gives.
const pool = Array.from({ length: 20 }, (_, i) => `172.20.0.${200 + i}`);
const owners = announcers(pool, NODES);
const mine = pool.filter((ip) => owners.get(ip) === 'node-1');
const theirs = pool.filter((ip) => owners.get(ip) === 'node-2');

function setup(respond: (c: ExecCall) => { code?: number; stdout?: string; stderr?: string } = () => ({})) {
  const exec = new FakeExecer(respond);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l).msg) });
  return { exec, lines, announcer: new L2Announcer({ exec, iface: 'eth0', nodeName: 'node-1', log }) };
}
const cmds = (exec: FakeExecer): string[] => exec.calls.map((c) => c.argv.join(' '));

describe('L2Announcer (commands, FakeExecer)', () => {
  it("adds its own addresses with the label, sends gratuitous ARP, removes them when it is no longer chosen and on stop", async () => {
    const { exec, announcer } = setup(() => ({ stdout: '[]' }));
    await announcer.start();
    await announcer.update({ lbIPs: [mine[0]!, theirs[0]!], readyNodes: NODES });
    assert.deepEqual(announcer.announced(), [mine[0]]);
    await announcer.update({ readyNodes: ['node-2'] });
    assert.deepEqual(announcer.announced(), []);
    await announcer.update({ readyNodes: NODES });
    await announcer.stop();
    assert.deepEqual(cmds(exec), [
      'ip -j addr show dev eth0',
      `ip addr add ${mine[0]}/32 dev eth0 label eth0:lb`,
      `arping -U -c 2 -I eth0 ${mine[0]}`,
      `ip addr del ${mine[0]}/32 dev eth0`,
      `ip addr add ${mine[0]}/32 dev eth0 label eth0:lb`,
      `arping -U -c 2 -I eth0 ${mine[0]}`,
      `ip addr del ${mine[0]}/32 dev eth0`,
    ]);
  });

  it("adopts a previous run's labelled /32s and removes those it does not announce; leaves other addresses alone", async () => {
    const listing = JSON.stringify([{ addr_info: [
      { family: 'inet', local: '172.20.0.11', prefixlen: 24, label: 'eth0' },
      { family: 'inet', local: theirs[0], prefixlen: 32, label: 'eth0:lb' },
      { family: 'inet', local: '172.20.0.99', prefixlen: 32, label: 'eth0' },
      { family: 'inet6', local: 'fd00:20::11', prefixlen: 64 },
      { family: 'inet6', local: 'fd00:20::200', prefixlen: 128, deprecated: true },
      { family: 'inet6', local: 'fd00:20::99', prefixlen: 128 },
    ] }]);
    const { exec, announcer } = setup((c) => (c.argv[1] === '-j' ? { stdout: listing } : {}));
    await announcer.start();
    await announcer.update({ lbIPs: [theirs[0]!], readyNodes: NODES });
    assert.deepEqual(cmds(exec).slice(1), [`ip addr del ${theirs[0]}/32 dev eth0`, 'ip addr del fd00:20::200/128 dev eth0']);
  });

  it('IPv6: a deprecated /128 with DAD after turning ndisc_notify on (the kernel advertises), no arping', async () => {
    const pool6 = Array.from({ length: 20 }, (_, i) => `fd00:20::${(0x200 + i).toString(16)}`);
    const mine6 = pool6.filter((ip) => announcers(pool6, NODES).get(ip) === 'node-1');
    const { exec, announcer } = setup(() => ({ stdout: '[]' }));
    await announcer.update({ lbIPs: mine6.slice(0, 2), readyNodes: NODES });
    await announcer.stop();
    assert.deepEqual(cmds(exec), [
      'tee /proc/sys/net/ipv6/conf/eth0/ndisc_notify',
      `ip addr add ${mine6[0]}/128 dev eth0 preferred_lft 0`,
      `ip addr add ${mine6[1]}/128 dev eth0 preferred_lft 0`,
      `ip addr del ${mine6[0]}/128 dev eth0`,
      `ip addr del ${mine6[1]}/128 dev eth0`,
    ]);
    assert.equal(exec.calls[0]!.stdin, '1\n');
  });

  it('without arping: logged once, the address is still announced', async () => {
    const { lines, announcer } = setup((c) => (c.argv[0] === 'arping' ? { code: 127, stderr: 'spawn arping ENOENT' } : { stdout: '[]' }));
    await announcer.update({ lbIPs: mine.slice(0, 2), readyNodes: NODES });
    await announcer.stop();
    assert.equal(lines.filter((l) => l.startsWith('arping not found')).length, 1);
  });
});
