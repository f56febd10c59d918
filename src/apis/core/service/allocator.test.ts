import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceConfig as config, withServiceApi as withApi, rejectsWith as rejects } from '../../../../test/support/service-api.js';
import { IP_ADDRESS_PREFIX, NODE_PORT_PREFIX } from './reservations.js';
import { SERVICES_PREFIX, repairAllocations } from './repair.js';
import type { Service, ServiceSpec } from './types.js';

const lastOctet = (ip: string | undefined): number => Number(ip?.split('.')[3]);

test('cluster IPs: random in range, well-known addresses, requests honoured', async () => {
  await withApi(async (api) => {
    const web = await api.create('web', {});
    const n = lastOctet(web.spec.clusterIP);
    assert.match(web.spec.clusterIP!, /^10\.96\.0\.\d+$/);
    assert.ok(n > 0 && n < 255 && n !== 1 && n !== 10, `${web.spec.clusterIP} is a host address, not a well-known one`);
    assert.deepEqual(web.spec.clusterIPs, [web.spec.clusterIP]);
    assert.deepEqual(web.spec.ipFamilies, ['IPv4']);
    assert.equal(web.spec.ipFamilyPolicy, 'SingleStack');

    assert.equal((await api.create('kubernetes', { ports: [{ port: 443 }] })).spec.clusterIP, '10.96.0.1');
    assert.equal((await api.create('kube-dns', { ports: [{ port: 53, protocol: 'UDP' }] }, { ns: 'kube-system' })).spec.clusterIP, '10.96.0.10');

    assert.equal((await api.create('fixed', { clusterIP: '10.96.0.200' })).spec.clusterIP, '10.96.0.200');
    await rejects(
      api.create('again', { clusterIP: '10.96.0.200' }),
      422,
      'Service "again" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.200"}: failed to allocate IP 10.96.0.200: provided IP is already allocated',
    );
    await rejects(
      api.create('outside', { clusterIP: '10.97.0.5' }),
      422,
      'Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.97.0.5"}: failed to allocate IP 10.97.0.5: the provided IP (10.97.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/24',
    );
    await rejects(
      api.create('broadcast', { clusterIP: '10.96.0.255' }),
      422,
      'Service "broadcast" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.255"}: failed to allocate IP 10.96.0.255: the provided IP (10.96.0.255) is not in the valid range. The range of valid IPs is 10.96.0.0/24',
    );

    const headless = await api.create('headless', { clusterIP: 'None' });
    assert.deepEqual(headless.spec.clusterIPs, ['None']);
    assert.deepEqual(headless.spec.ipFamilies, ['IPv4']);
    const selectorless = await api.create('selectorless', { clusterIP: 'None', selector: undefined });
    assert.deepEqual([selectorless.spec.ipFamilyPolicy, selectorless.spec.ipFamilies], ['RequireDualStack', ['IPv4', 'IPv6']]);
    const ext = await api.create('ext', { type: 'ExternalName', externalName: 'db.example.com' });
    assert.equal(ext.spec.clusterIP, undefined);
    assert.equal(ext.spec.ipFamilies, undefined);

    const held = await api.reserved(IP_ADDRESS_PREFIX);
    assert.deepEqual(held, [web.spec.clusterIP!, '10.96.0.1', '10.96.0.10', '10.96.0.200'].sort());
  });
});

test('node ports: dynamic, requested, shared by port number, conflicts', async () => {
  await withApi(async (api) => {
    const np = await api.create('np', { type: 'NodePort', ports: [{ port: 80, name: 'http', nodePort: 30008 }, { port: 443, name: 'https' }] });
    assert.equal(np.spec.ports![0].nodePort, 30008);
    const dyn = np.spec.ports![1].nodePort!;
    assert.ok(dyn >= 30000 + 86 && dyn <= 32767, `${dyn} from the dynamic band`);

    const dns = await api.create('dns', {
      type: 'NodePort',
      ports: [
        { port: 53, name: 'udp', protocol: 'UDP' },
        { port: 53, name: 'tcp', protocol: 'TCP' },
      ],
    });
    assert.equal(dns.spec.ports![0].nodePort, dns.spec.ports![1].nodePort, 'same port number, same node port');

    await rejects(
      api.create('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 30008 }] }),
      422,
      'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30008: provided port is already allocated',
    );
    await rejects(
      api.create('far', { type: 'NodePort', ports: [{ port: 80, nodePort: 20000 }] }),
      422,
      'Service "far" is invalid: spec.ports[0].nodePort: Invalid value: 20000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    // A failed create leaves nothing behind: its cluster IP was given back.
    assert.equal((await api.reserved(IP_ADDRESS_PREFIX)).length, 2);

    const lb = await api.create('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    assert.ok(lb.spec.ports![0].nodePort && lb.spec.healthCheckNodePort, 'node port and health check node port');
    const noPorts = await api.create('lb-no-ports', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    assert.equal(noPorts.spec.ports![0].nodePort, undefined);

    assert.deepEqual(
      await api.reserved(NODE_PORT_PREFIX),
      ['30008', String(dyn), String(dns.spec.ports![0].nodePort), String(lb.spec.ports![0].nodePort), String(lb.spec.healthCheckNodePort)].sort(),
    );
  });
});

test('type changes allocate and release; deletion releases', async () => {
  await withApi(async (api) => {
    const created = await api.create('web', { ports: [{ port: 80, name: 'http' }] });
    const ip = created.spec.clusterIP;

    const np = await api.update('web', (s) => (s.type = 'NodePort'));
    assert.equal(np.spec.clusterIP, ip, 'ClusterIP -> NodePort keeps the IP');
    const port = np.spec.ports![0].nodePort!;
    assert.ok(port);

    const lb = await api.update('web', (s) => (s.type = 'LoadBalancer'));
    assert.equal(lb.spec.clusterIP, ip, 'NodePort -> LoadBalancer keeps the IP');
    assert.equal(lb.spec.ports![0].nodePort, port, 'and the node port');

    const two = await api.update('web', (s) => s.ports!.push({ port: 443, name: 'https' }));
    const second = two.spec.ports![1].nodePort!;
    assert.deepEqual(await api.reserved(NODE_PORT_PREFIX), [String(port), String(second)].sort());
    await api.update('web', (s) => s.ports!.pop());
    assert.deepEqual(await api.reserved(NODE_PORT_PREFIX), [String(port)], 'removing a port releases its node port');

    const ext = await api.update('web', (s) => {
      s.type = 'ExternalName';
      s.externalName = 'db.example.com';
    });
    assert.equal(ext.spec.clusterIP, undefined);
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), [], '-> ExternalName releases the IP');
    assert.deepEqual(await api.reserved(NODE_PORT_PREFIX), [], 'and the node ports');

    const back = await api.update('web', (s) => {
      s.type = 'ClusterIP';
      delete s.externalName;
    });
    assert.ok(back.spec.clusterIP, 'ExternalName -> ClusterIP allocates');
    assert.deepEqual(back.spec.ipFamilies, ['IPv4']);
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), [back.spec.clusterIP!]);

    await api.delete('web');
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), []);
  });
});

test('dryRun allocates nothing; a failed write is undone', async () => {
  await withApi(async (api) => {
    await api.create('taken', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30050 }] });
    const dry = await api.create('dry', { type: 'NodePort' }, { dryRun: true });
    assert.ok(dry.spec.clusterIP && dry.spec.ports![0].nodePort, 'values are filled in');
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), ['10.96.0.50']);
    await rejects(
      api.create('dry2', { clusterIP: '10.96.0.50' }, { dryRun: true }),
      422,
      'Service "dry2" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.50"}: failed to allocate IP 10.96.0.50: provided IP is already allocated',
    );

    // The service key exists already: the store write fails after allocation and is undone.
    await api.store.create(SERVICES_PREFIX + 'default/dup', '{}');
    await assert.rejects(api.create('dup', { type: 'NodePort' }));
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), ['10.96.0.50']);
    assert.deepEqual(await api.reserved(NODE_PORT_PREFIX), ['30050']);
  });
});

test('concurrent creates never share an address, and a full range says so', async () => {
  const small = { ...config, serviceCIDR: '10.96.0.0/27' }; // 30 hosts, 2 of them well-known
  await withApi(async (api) => {
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => api.create(`s${i}`, {})));
    const ips = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.spec.clusterIP!] : []));
    assert.equal(ips.length, 28);
    assert.equal(new Set(ips).size, 28);
    for (const r of results)
      if (r.status === 'rejected') assert.equal((r.reason as Error).message, 'Internal error occurred: failed to allocate a serviceIP: range is full');
  }, small);
});

test('allocation finds the one free address of a nearly full range', async () => {
  const cfg = { ...config, serviceCIDR: '10.96.0.0/22', nodePortRange: { min: 30000, max: 31000 } };
  await withApi(async (api) => {
    // Hosts are offsets 1..1022 of the /22; all but 777 are taken.
    for (let i = 1; i <= 1022; i++) if (i !== 1 && i !== 10 && i !== 777) await api.store.create(`${IP_ADDRESS_PREFIX}10.96.${i >> 8}.${i & 255}`, '{"namespace":"x","name":"y","since":"2024-01-01T00:00:00Z"}');
    const s = await api.create('last', {});
    assert.equal(s.spec.clusterIP, '10.96.3.9', 'the only free address');
  }, cfg);
});

test('repairAllocations releases leaks and restores what stored services use', async () => {
  await withApi(async (api) => {
    const web = await api.create('web', { type: 'NodePort' });
    const ip = web.spec.clusterIP!;
    const port = String(web.spec.ports![0].nodePort);
    const old = '2020-01-01T00:00:00.000Z';
    // Two addresses the service did not get (its own is random).
    const [leaked, coming] = ['10.96.0.97', '10.96.0.98', '10.96.0.99'].filter((a) => a !== ip);
    // A leak from a crash, an in-flight reservation, and a lost one.
    await api.store.create(`${IP_ADDRESS_PREFIX}${leaked}`, JSON.stringify({ namespace: 'default', name: 'gone', since: old }));
    await api.store.create(`${IP_ADDRESS_PREFIX}${coming}`, JSON.stringify({ namespace: 'default', name: 'coming', since: new Date().toISOString() }));
    await api.store.delete(`${NODE_PORT_PREFIX}${port}`);
    // Held for a service that does not use it, while the stored service does.
    await api.store.delete(`${IP_ADDRESS_PREFIX}${ip}`);
    await api.store.create(`${IP_ADDRESS_PREFIX}${ip}`, JSON.stringify({ namespace: 'default', name: 'other', since: old }));

    assert.deepEqual(await repairAllocations(api.store), { released: 1, restored: 2 });
    assert.deepEqual(await api.reserved(IP_ADDRESS_PREFIX), [coming, ip].sort());
    assert.deepEqual(await api.reserved(NODE_PORT_PREFIX), [port]);
    const owner = JSON.parse((await api.store.get(`${IP_ADDRESS_PREFIX}${ip}`))!.value) as { name: string };
    assert.equal(owner.name, 'web');
    assert.deepEqual(await repairAllocations(api.store), { released: 0, restored: 0 }, 'idempotent');
  });
});
