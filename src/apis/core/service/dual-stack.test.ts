// ipFamilyPolicy × cluster configuration, upgrade and downgrade, and allocation and repair in
// both families, with kube-apiserver's messages (pkg/registry/core/service/storage/storage_test.go).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceConfig, withServiceApi, rejectsWith, type ServiceApi } from '../../../../test/support/service-api.js';
import { cidrOffsetOf, parseCIDR } from '../../../util/cidr.js';
import { ipFamilyOf } from '../../../util/ip.js';
import { IP_ADDRESS_PREFIX } from './reservations.js';
import { repairAllocations } from './repair.js';
import { parseServiceCIDRs } from './service-cidrs.js';
import type { ServiceSpec } from './types.js';

const V4 = '10.96.0.0/24';
const V6 = 'fd00:10:96::/108';
const CLUSTERS = { v4: V4, v6: V6, 'v4,v6': `${V4},${V6}`, 'v6,v4': `${V6},${V4}` } as const;
type Cluster = keyof typeof CLUSTERS;

const withCluster = (cluster: Cluster | string, fn: (api: ServiceApi) => Promise<void>): Promise<void> =>
  withServiceApi(fn, { ...serviceConfig, serviceCIDR: CLUSTERS[cluster as Cluster] ?? cluster });

/** Every cluster IP lies in the service CIDR of its family. */
function assertInRanges(cluster: Cluster, spec: ServiceSpec): void {
  const cidrs = CLUSTERS[cluster].split(',').map((c) => parseCIDR(c)!);
  for (const ip of spec.clusterIPs ?? []) {
    const cidr = cidrs.find((c) => c.family === ipFamilyOf(ip));
    assert.ok(cidr && cidrOffsetOf(cidr, ip) !== undefined, `${ip} lies in the ${cluster} service CIDRs`);
  }
}

const invalid = (name: string, detail: string): string => `Service "${name}" is invalid: ${detail}`;

// What each policy gets on each cluster when the client names no family (alloc.go).
const POLICIES: { policy?: string; want: Record<Cluster, string[] | string> }[] = [
  { want: { v4: ['IPv4'], v6: ['IPv6'], 'v4,v6': ['IPv4'], 'v6,v4': ['IPv6'] } },
  { policy: 'SingleStack', want: { v4: ['IPv4'], v6: ['IPv6'], 'v4,v6': ['IPv4'], 'v6,v4': ['IPv6'] } },
  { policy: 'PreferDualStack', want: { v4: ['IPv4'], v6: ['IPv6'], 'v4,v6': ['IPv4', 'IPv6'], 'v6,v4': ['IPv6', 'IPv4'] } },
  {
    policy: 'RequireDualStack',
    want: {
      v4: 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
      v6: 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
      'v4,v6': ['IPv4', 'IPv6'],
      'v6,v4': ['IPv6', 'IPv4'],
    },
  },
];

for (const { policy, want } of POLICIES)
  for (const cluster of Object.keys(CLUSTERS) as Cluster[])
    test(`create: ${policy ?? 'no policy'} on a ${cluster} cluster`, () =>
      withCluster(cluster, async (api) => {
        const spec = policy ? { ipFamilyPolicy: policy } : {};
        const expected = want[cluster];
        if (typeof expected === 'string') return rejectsWith(api.create('web', spec), 422, invalid('web', expected));
        const svc = await api.create('web', spec);
        assert.equal(svc.spec.ipFamilyPolicy, policy ?? 'SingleStack');
        assert.deepEqual(svc.spec.ipFamilies, expected);
        assert.deepEqual(svc.spec.clusterIPs!.map(ipFamilyOf), expected, 'one cluster IP per family, in order');
        assert.equal(svc.spec.clusterIP, svc.spec.clusterIPs![0]);
        assertInRanges(cluster, svc.spec);
        const held = await api.reserved(IP_ADDRESS_PREFIX);
        assert.deepEqual(held, [...svc.spec.clusterIPs!].sort(), 'every cluster IP is reserved');
      }),
    );

test('create: requested families and IPs, and what a cluster without them answers', async () => {
  await withCluster('v4,v6', async (api) => {
    const v6first = await api.create('v6first', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] });
    assert.deepEqual(v6first.spec.ipFamilies, ['IPv6', 'IPv4'], 'the other family is appended');
    const pinned = await api.create('pinned', {
      ipFamilyPolicy: 'RequireDualStack',
      clusterIP: 'fd00:10:96:0:0:0:0:20',
      clusterIPs: ['fd00:10:96:0:0:0:0:20', '10.96.0.20'],
    });
    assert.deepEqual(pinned.spec.ipFamilies, ['IPv6', 'IPv4'], 'families follow the requested IPs');
    await rejectsWith(
      api.create('again', { clusterIP: 'fd00:10:96::20', clusterIPs: ['fd00:10:96::20'] }),
      422,
      invalid('again', 'spec.clusterIPs: Invalid value: []string{"fd00:10:96::20"}: failed to allocate IP fd00:10:96::20: provided IP is already allocated'),
    );
    await rejectsWith(
      api.create('far', { clusterIP: 'fd00:10:97::1', clusterIPs: ['fd00:10:97::1'] }),
      422,
      invalid('far', 'spec.clusterIPs: Invalid value: []string{"fd00:10:97::1"}: failed to allocate IP fd00:10:97::1: the provided IP (fd00:10:97::1) is not in the valid range. The range of valid IPs is fd00:10:96::/108'),
    );
    await rejectsWith(
      api.create('single', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] }),
      422,
      invalid('single', `spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`),
    );
  });
  await withCluster('v4', async (api) => {
    await rejectsWith(
      api.create('six', { ipFamilies: ['IPv6'] }),
      422,
      invalid('six', 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'),
    );
    await rejectsWith(
      api.create('sixip', { clusterIP: 'fd00::5', clusterIPs: ['fd00::5'] }),
      422,
      invalid('sixip', 'spec.clusterIPs[0]: Invalid value: []string{"fd00::5"}: IPv6 is not configured on this cluster'),
    );
    // Headless without a selector: dual-stack by default, even here (nothing is allocated).
    const headless = await api.create('manual', { clusterIP: 'None', clusterIPs: ['None'], selector: undefined });
    assert.equal(headless.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(headless.spec.ipFamilies, ['IPv4', 'IPv6']);
    const withSelector = await api.create('headless', { clusterIP: 'None', clusterIPs: ['None'] });
    assert.deepEqual([withSelector.spec.ipFamilyPolicy, withSelector.spec.ipFamilies], ['SingleStack', ['IPv4']]);
  });
});

test('update: upgrade to dual-stack allocates the secondary IP, downgrade releases it', async () => {
  await withCluster('v4,v6', async (api) => {
    const created = await api.create('web', {});
    const [v4] = created.spec.clusterIPs!;
    const up = await api.update('web', (s) => void (s.ipFamilyPolicy = 'PreferDualStack'));
    assert.deepEqual(up.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.equal(up.spec.clusterIPs![0], v4, 'the primary IP stays');
    assert.equal(ipFamilyOf(up.spec.clusterIPs![1]), 'IPv6');
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), [...up.spec.clusterIPs!].sort());

    await rejectsWith(
      api.update('web', (s) => void (s.clusterIPs = [v4])),
      422,
      invalid('web', `spec.ipFamilyPolicy: Invalid value: "PreferDualStack": must be 'SingleStack' to release the secondary cluster IP`),
    );
    await rejectsWith(
      api.update('web', (s) => void (s.ipFamilies = ['IPv4'])),
      422,
      invalid('web', `spec.ipFamilyPolicy: Invalid value: "PreferDualStack": must be 'SingleStack' to release the secondary IP family`),
    );

    const down = await api.update('web', (s) => void (s.ipFamilyPolicy = 'SingleStack'));
    assert.deepEqual([down.spec.ipFamilies, down.spec.clusterIPs], [['IPv4'], [v4]]);
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), [v4], 'the IPv6 address is released');

    const required = await api.update('web', (s) => void (s.ipFamilyPolicy = 'RequireDualStack'));
    assert.equal(required.spec.clusterIPs!.length, 2);
  });
  await withCluster('v6', async (api) => {
    await api.create('web', {});
    await rejectsWith(
      api.update('web', (s) => void (s.ipFamilyPolicy = 'RequireDualStack')),
      422,
      invalid('web', 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'),
    );
  });
});

test('update: a PreferDualStack service is not upgraded because the cluster became dual-stack', async () => {
  await withCluster('v4', async (single) => {
    await single.create('web', { ipFamilyPolicy: 'PreferDualStack' });
    // The same store, now served with a second range.
    const dual = new (single.constructor as typeof ServiceApi)(single.store, { ...serviceConfig, serviceCIDR: CLUSTERS['v4,v6'] });
    const same = await dual.update('web', (s) => void (s.ports = [{ port: 81 }]));
    assert.deepEqual(same.spec.ipFamilies, ['IPv4']);
    assert.equal(same.spec.clusterIPs!.length, 1);
    const up = await dual.update('web', (s) => void (s.ipFamilyPolicy = 'RequireDualStack'));
    assert.deepEqual(up.spec.ipFamilies, ['IPv4', 'IPv6'], 'a policy change does upgrade it');
  });
});

test('IPv6 allocation: only the first 2^16 addresses of a large range, and a small range fills up', async () => {
  await withCluster('fd00:10:96::/108', async (api) => {
    const cidr = parseCIDR('fd00:10:96::/108')!;
    for (let i = 0; i < 20; i++) {
      const n = cidrOffsetOf(cidr, (await api.create(`s${i}`, {})).spec.clusterIP!)!;
      assert.ok(n >= 1 && n < 65536, `offset ${n} is in the allocator's block`);
    }
  });
  await withCluster('fd00:10:96::/124', async (api) => {
    // 16 addresses: never the network address, and 1 and 10 wait for well-known services.
    const ips = new Set<string>();
    for (let i = 0; i < 13; i++) ips.add((await api.create(`s${i}`, {})).spec.clusterIP!);
    assert.equal(ips.size, 13);
    assert.ok(!ips.has('fd00:10:96::') && !ips.has('fd00:10:96::1') && !ips.has('fd00:10:96::a'));
    await rejectsWith(api.create('full', {}), 500, 'Internal error occurred: failed to allocate a serviceIP: range is full');
  });
});

test('repair covers both families and keys IPv6 by its canonical text', async () => {
  await withCluster('v6,v4', async (api) => {
    const svc = await api.create('web', { ipFamilyPolicy: 'RequireDualStack' });
    const [v6] = svc.spec.clusterIPs!;
    await api.store.delete(IP_ADDRESS_PREFIX + v6);
    const since = new Date(Date.now() - 3600_000).toISOString();
    await api.store.create(`${IP_ADDRESS_PREFIX}fd00:10:96::77`, JSON.stringify({ namespace: 'default', name: 'gone', since }));
    assert.deepEqual(await repairAllocations(api.store), { released: 1, restored: 1 });
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), [...svc.spec.clusterIPs!].sort());
  });
});

test('--service-cidr: one or two CIDRs of different families, at most 20 host bits', () => {
  assert.deepEqual(parseServiceCIDRs('fd00:10:96::/108,10.96.0.0/12').map((c) => c.family), ['IPv6', 'IPv4']);
  const cases: [string, string][] = [
    ['10.96.0.0/16,10.97.0.0/16', '--service-cidr[0] and --service-cidr[1] must be of different IP family'],
    ['10.0.0.0/8', 'specified --service-cidr is too large; for 32-bit addresses, the mask must be >= 12'],
    ['10.96.0.0/16,fd00::/64', 'specified --service-cidr[1] is too large; for 128-bit addresses, the mask must be >= 108'],
    ['10.96.0.0/16,fd00::/108,fd01::/108', '--service-cidr must not contain more than two entries'],
    ['10.96.0.0', '--service-cidr[0] "10.96.0.0" is not a valid cidr'],
  ];
  for (const [value, message] of cases) assert.throws(() => parseServiceCIDRs(value), { message }, value);
});
