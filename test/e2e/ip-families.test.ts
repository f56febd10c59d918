// Dual-stack Services through the real kubectl on a cluster with two service CIDRs (the API
// part of issue 21): each ipFamilyPolicy, kubectl's view of them, upgrade and downgrade with
// `kubectl patch` and kube-apiserver's refusals, and a selector-less dual-stack Service with
// hand-made EndpointSlices of both families. Loopback pods are IPv4-only, so no traffic is sent
// to these addresses here: the datapath is tested by the dual-stack network suites.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, rows } from './harness.js';
import { cidrOffsetOf, parseCIDR } from '../../src/util/cidr.js';
import { ipFamilyOf } from '../../src/util/ip.js';

const V4 = '10.96.0.0/16';
const V6 = 'fd00:10:96::/108';

interface SvcView {
  clusterIP: string;
  clusterIPs: string[];
  ipFamilies: string[];
  ipFamilyPolicy: string;
}

describe('dual-stack Services with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start(['--service-cidr', `${V4},${V6}`]);
  });
  after(async () => {
    await t?.destroy();
  });

  const view = (name: string): SvcView => JSON.parse(t.k(['get', 'svc', name, '-o', 'json'])).spec as SvcView;
  const inRange = (ip: string): boolean => [V4, V6].some((c) => cidrOffsetOf(parseCIDR(c)!, ip) !== undefined);
  const service = (name: string, spec: string): string =>
    t.k(['apply', '-f', '-'], `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - port: 80\n${spec}`);

  it('the kubernetes Service stays single-stack on the primary range', () => {
    const k = view('kubernetes');
    assert.deepEqual([k.clusterIP, k.ipFamilies, k.ipFamilyPolicy], ['10.96.0.1', ['IPv4'], 'SingleStack']);
  });

  it('each policy gets the families kube-apiserver gives it, one cluster IP per family', () => {
    const cases: { name: string; spec: string; families: string[]; policy: string }[] = [
      { name: 'single', spec: '', families: ['IPv4'], policy: 'SingleStack' },
      { name: 'prefer', spec: '  ipFamilyPolicy: PreferDualStack\n', families: ['IPv4', 'IPv6'], policy: 'PreferDualStack' },
      { name: 'require', spec: '  ipFamilyPolicy: RequireDualStack\n', families: ['IPv4', 'IPv6'], policy: 'RequireDualStack' },
      { name: 'six', spec: '  ipFamilies: [IPv6]\n', families: ['IPv6'], policy: 'SingleStack' },
      { name: 'six-first', spec: '  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv6]\n', families: ['IPv6', 'IPv4'], policy: 'PreferDualStack' },
    ];
    for (const c of cases) {
      assert.match(service(c.name, c.spec), /created/);
      const s = view(c.name);
      assert.deepEqual([s.ipFamilyPolicy, s.ipFamilies], [c.policy, c.families], c.name);
      assert.deepEqual(s.clusterIPs.map(ipFamilyOf), c.families, `${c.name}: ${s.clusterIPs}`);
      assert.ok(s.clusterIPs.every(inRange), `${c.name}: ${s.clusterIPs} in the service CIDRs`);
      assert.equal(s.clusterIP, s.clusterIPs[0]);
    }
    // CLUSTER-IP shows the primary address, as kubectl shows it for Kubernetes.
    const table = Object.fromEntries(rows(t.k('get svc -o wide')).map((r) => [r[0], r]));
    assert.equal(table['six'][2], view('six').clusterIP);
    assert.equal(ipFamilyOf(table['six-first'][2]), 'IPv6');

    const require = view('require');
    const described = t.k('describe svc require');
    assert.match(described, /^IP Family Policy:\s+RequireDualStack$/m);
    assert.match(described, /^IP Families:\s+IPv4,IPv6$/m);
    assert.match(described, new RegExp(`^IP:\\s+${require.clusterIP.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(described, new RegExp(`^IPs:\\s+${require.clusterIPs.join(',').replace(/\./g, '\\.')}$`, 'm'));
  });

  it('upgrade with kubectl patch allocates the IPv6 address; downgrade releases it', () => {
    const [v4] = view('single').clusterIPs;
    t.k(['patch', 'svc', 'single', '-p', '{"spec":{"ipFamilyPolicy":"PreferDualStack"}}']);
    const up = view('single');
    assert.deepEqual(up.ipFamilies, ['IPv4', 'IPv6']);
    assert.equal(up.clusterIPs[0], v4);
    assert.ok(up.clusterIPs[1] && ipFamilyOf(up.clusterIPs[1]) === 'IPv6' && inRange(up.clusterIPs[1]), String(up.clusterIPs));

    const refused = t.kubectl(['patch', 'svc', 'single', '-p', '{"spec":{"ipFamilies":["IPv4"]}}']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /The Service "single" is invalid: spec\.ipFamilyPolicy: Invalid value: "PreferDualStack": must be 'SingleStack' to release the secondary IP family/);

    t.k(['patch', 'svc', 'single', '-p', '{"spec":{"ipFamilyPolicy":"SingleStack"}}']);
    const down = view('single');
    assert.deepEqual([down.ipFamilies, down.clusterIPs], [['IPv4'], [v4]]);
    // The released address can be asked for again.
    assert.match(service('reuse', `  ipFamilies: [IPv6]\n  clusterIP: "${up.clusterIPs[1]}"\n`), /created/);
    assert.deepEqual(view('reuse').clusterIPs, [up.clusterIPs[1]]);
  });

  it('a selector-less dual-stack Service with EndpointSlices of both families', () => {
    t.k(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata:
  name: manual
spec:
  ipFamilyPolicy: RequireDualStack
  ports:
  - port: 80
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: manual-v4
  labels:
    kubernetes.io/service-name: manual
addressType: IPv4
ports:
- port: 8080
endpoints:
- addresses: [127.244.9.5]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: manual-v6
  labels:
    kubernetes.io/service-name: manual
addressType: IPv6
ports:
- port: 8080
endpoints:
- addresses: ["fd00:10:244::5"]
`);
    assert.deepEqual(view('manual').ipFamilies, ['IPv4', 'IPv6']);
    const slices = Object.fromEntries(rows(t.k('get endpointslices -l kubernetes.io/service-name=manual')).map((r) => [r[0], r]));
    assert.deepEqual(slices['manual-v4'].slice(1, 4), ['IPv4', '8080', '127.244.9.5']);
    assert.deepEqual(slices['manual-v6'].slice(1, 4), ['IPv6', '8080', 'fd00:10:244::5']);
  });

  it('allocations survive a restart: the addresses stay taken', async () => {
    const before = view('require').clusterIPs;
    await t.down();
    await t.up();
    assert.deepEqual(view('require').clusterIPs, before);
    const again = t.kubectl(['create', '-f', '-'], `apiVersion: v1\nkind: Service\nmetadata:\n  name: again\nspec:\n  ipFamilies: [IPv6]\n  clusterIP: "${before[1]}"\n  ports:\n  - port: 80\n`);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, new RegExp(`failed to allocate IP ${before[1]}: provided IP is already allocated`));
  });
});
