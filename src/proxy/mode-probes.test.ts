import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeExecer } from '../../test/support/fake-execer.js';
import { chooseMode } from './modes/ipvs/detect.js';
import { ipv6Probe, kernelProbes } from './mode-probes.js';

const noIpvs = () => ({ available: false, reason: 'IPVS proxier will not be used because the following required kernel modules are not loaded: [ip_vs]' });

describe('kernelProbes + chooseMode', () => {
  it('ipvs without the kernel modules falls back to nftables with kube-proxy-like words, probing nft where the rules go', async () => {
    const exec = new FakeExecer();
    const got = await chooseMode('ipvs', kernelProbes(exec, noIpvs));
    assert.equal(got.mode, 'nftables');
    assert.match(got.message!, /^can't use the IPVS proxier: .*\[ip_vs\]; falling back to the nftables proxier$/);
    assert.deepEqual(exec.calls.map((c) => c.argv.join(' ')), ['nft --version', 'nft list tables']);
  });

  it('a kernel with IP_VS still falls back: tinykube has no IPVS datapath', async () => {
    const got = await chooseMode('ipvs', kernelProbes(new FakeExecer(), () => ({ available: true })));
    assert.match(got.message!, /the kernel has IP_VS, but tinykube has no IPVS datapath; falling back to the nftables proxier/);
  });

  it('nft missing or not permitted: iptables, saying what failed', async () => {
    const exec = new FakeExecer((c) => (c.argv[0] === 'nft' && c.argv[1] === 'list' ? { code: 1, stderr: 'Error: Operation not permitted' } : {}));
    const got = await chooseMode('nftables', kernelProbes(exec, noIpvs));
    assert.equal(got.mode, 'iptables');
    assert.match(got.message!, /can't use the nftables proxier: nft list tables failed \(exit 1\): Error: Operation not permitted; falling back to the iptables proxier/);
    assert.deepEqual(exec.calls.map((c) => c.argv.join(' ')).slice(2), ['iptables-restore --version', 'iptables-save -t nat']);
  });

  it('no tool at all is an error', async () => {
    const exec = new FakeExecer(() => ({ code: 127, stderr: 'spawn ENOENT' }));
    await assert.rejects(chooseMode('iptables', kernelProbes(exec, noIpvs)), /no kernel datapath is usable: can't use the iptables proxier: iptables-restore --version failed \(exit 127\)/);
  });
});

describe('ipv6Probe (the second family of a dual-stack node)', () => {
  it('nftables: IPv6 enabled, then an ip6 table checked, not made', async () => {
    const exec = new FakeExecer((c) => (c.argv[0] === 'cat' ? { stdout: '0\n' } : {}));
    assert.deepEqual(await ipv6Probe(exec, 'nftables'), { available: true });
    assert.deepEqual(exec.calls.map((c) => c.argv.join(' ')).slice(1), ['nft --check add table ip6 tinykube']);
  });

  it('iptables: ip6tables runs', async () => {
    const exec = new FakeExecer((c) => (c.argv[0] === 'cat' ? { stdout: '0\n' } : c.argv[0] === 'ip6tables-save' ? { code: 3, stderr: "can't initialize ip6tables table `nat'" } : {}));
    const p = await ipv6Probe(exec, 'iptables');
    assert.equal(p.available, false);
    assert.match(p.reason!, /ip6tables-save -t nat failed \(exit 3\): can't initialize/);
  });

  it('IPv6 disabled in the namespace: not available, saying so', async () => {
    const exec = new FakeExecer((c) => (c.argv[0] === 'cat' ? { stdout: '1\n' } : {}));
    assert.deepEqual(await ipv6Probe(exec, 'nftables'), { available: false, reason: 'IPv6 is disabled (net.ipv6.conf.all.disable_ipv6)' });
  });
});
