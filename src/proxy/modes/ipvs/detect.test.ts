import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseMode, detectIpvs, type Probe, type ProxyModeName } from './detect.js';

const R = '6.1.0-test';
const files = (map: Record<string, string>) => (path: string): string => {
  if (!(path in map)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return map[path]!;
};
const MODULE_LINE = (m: string): string => `${m} 12288 0 - Live 0x0000000000000000`;

describe('detectIpvs', () => {
  const cases: { name: string; files: Record<string, string>; available: boolean; reason?: RegExp }[] = [
    { name: 'no /proc/modules, no modules dir (this kernel)', files: {}, available: false, reason: /not loaded: \[ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh\]/ },
    {
      name: 'all modules loaded',
      files: { '/proc/modules': ['ip_vs_sh', 'ip_vs_wrr', 'ip_vs_rr', 'ip_vs', 'nf_conntrack'].map(MODULE_LINE).join('\n') },
      available: true,
    },
    {
      name: 'ip_vs core present (/proc/net/ip_vs) but schedulers missing',
      files: { '/proc/net/ip_vs': 'IP Virtual Server version 1.2.1\n', '/proc/modules': MODULE_LINE('ip_vs_rr') },
      available: false,
      reason: /\[ip_vs_wrr ip_vs_sh\]/,
    },
    {
      name: 'built into the kernel',
      files: { [`/lib/modules/${R}/modules.builtin`]: ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh'].map((m) => `kernel/net/netfilter/ipvs/${m}.ko`).join('\n') },
      available: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = detectIpvs(files(c.files), R);
      assert.equal(got.available, c.available);
      if (c.reason) assert.match(got.reason ?? '', c.reason);
    });
  }

  it('on this machine answers without throwing', () => {
    assert.equal(typeof detectIpvs().available, 'boolean');
  });
});

describe('chooseMode', () => {
  const yes: Probe = { available: true };
  const noIpvs: Probe = { available: false, reason: 'IPVS proxier will not be used because the following required kernel modules are not loaded: [ip_vs]' };
  const noNft: Probe = { available: false, reason: 'nft not found' };
  const cases: { name: string; requested: ProxyModeName; ipvs: Probe; nftables: Probe; iptables: Probe; mode?: string; message?: RegExp; error?: RegExp }[] = [
    { name: 'ipvs where the kernel has it', requested: 'ipvs', ipvs: yes, nftables: yes, iptables: yes, mode: 'ipvs' },
    {
      name: 'ipvs without IP_VS falls back to nftables and says why',
      requested: 'ipvs',
      ipvs: noIpvs,
      nftables: yes,
      iptables: yes,
      mode: 'nftables',
      message: /^can't use the IPVS proxier: IPVS proxier will not be used because .*\[ip_vs\]; falling back to the nftables proxier$/,
    },
    {
      name: 'ipvs without IP_VS nor nftables falls back to iptables',
      requested: 'ipvs',
      ipvs: noIpvs,
      nftables: noNft,
      iptables: yes,
      mode: 'iptables',
      message: /can't use the IPVS proxier: .*; can't use the nftables proxier: nft not found; falling back to the iptables proxier/,
    },
    { name: 'nftables as asked', requested: 'nftables', ipvs: noIpvs, nftables: yes, iptables: yes, mode: 'nftables' },
    { name: 'iptables as asked', requested: 'iptables', ipvs: noIpvs, nftables: noNft, iptables: yes, mode: 'iptables' },
    { name: 'userspace needs no probe', requested: 'userspace', ipvs: noIpvs, nftables: noNft, iptables: noNft, mode: 'userspace' },
    { name: 'nothing usable is an error', requested: 'ipvs', ipvs: noIpvs, nftables: noNft, iptables: { available: false }, error: /no kernel datapath is usable: .*iptables proxier: not available/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const probed: string[] = [];
      const probe = (name: string, p: Probe) => (): Probe => (probed.push(name), p);
      const run = () => chooseMode(c.requested, { ipvs: probe('ipvs', c.ipvs), nftables: probe('nftables', c.nftables), iptables: probe('iptables', c.iptables) });
      if (c.error) return assert.rejects(run, c.error);
      const got = await run();
      assert.equal(got.mode, c.mode);
      if (c.message) assert.match(got.message ?? '', c.message);
      else assert.equal(got.message, undefined);
      // Probes after the chosen mode never run.
      assert.ok(!probed.includes('iptables') || got.mode === 'iptables', `probed ${probed.join(',')}`);
    });
  }
});
