import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ApiServerIdentity, liveServers } from './apiserver-identity.js';
import { kubernetesEndpoints } from '../api/bootstrap.js';
import { microTime } from '../client/leader-election.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { startTestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import type { Lease } from '../apis/coordination/leases.js';
import type { Endpoints } from '../apis/core/endpoints.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';

const T0 = Date.UTC(2026, 0, 1);
const lease = (ip: string, port: number, renewedAgoMs: number): Lease => ({
  metadata: { name: `apiserver-${port}`, annotations: { 'tinykube.io/advertise-address': ip, 'tinykube.io/secure-port': String(port) } },
  spec: { holderIdentity: String(port), leaseDurationSeconds: 15, renewTime: microTime(T0 - renewedAgoMs) },
});

describe('liveServers', () => {
  it('keeps the servers whose lease has not run out', () => {
    const leases = [lease('127.0.0.1', 6443, 0), lease('127.0.0.1', 6444, 14_999), lease('127.0.0.1', 6445, 15_000), { metadata: { name: 'apiserver-x' } }];
    assert.deepEqual(liveServers(leases, T0), [{ ip: '127.0.0.1', port: 6443 }, { ip: '127.0.0.1', port: 6444 }]);
  });
});

describe('kubernetesEndpoints', () => {
  it('one subset and slice per port, addresses sorted; no server: empty', () => {
    const endpointsOf = (servers: Parameters<typeof kubernetesEndpoints>[0]) => kubernetesEndpoints(servers) as { endpoints: Endpoints; slices: EndpointSlice[] };
    const got = endpointsOf([{ ip: '10.0.0.2', port: 6443 }, { ip: '127.0.0.1', port: 7000 }, { ip: '10.0.0.1', port: 6443 }]);
    assert.deepEqual(got.endpoints.subsets, [
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
      { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 7000, protocol: 'TCP' }] },
    ]);
    assert.deepEqual(got.slices.map((s) => [s.metadata.name, (s.endpoints ?? []).map((e) => e.addresses[0]).join()]), [
      ['kubernetes', '10.0.0.1,10.0.0.2'],
      ['kubernetes-7000', '127.0.0.1'],
    ]);
    const none = endpointsOf([]);
    assert.deepEqual(none.endpoints.subsets, []);
    assert.deepEqual(none.slices.map((s) => [s.metadata.name, s.endpoints?.length]), [['kubernetes', 0]]);
  });
});

describe('ApiServerIdentity', () => {
  it('each server adds itself to default/kubernetes; a silent one drops out after the lease; a stopped one at once', async () => {
    const api = await startTestApi();
    const clock = new FakeClock(Date.now());
    const server = (id: string, port: number) =>
      new ApiServerIdentity({ rest: api.rest, client: api.client('kube-apiserver'), id, address: { ip: '127.0.0.1', port }, leaseDurationMs: 15_000, renewPeriodMs: 2_000, clock, log: pino({ level: 'silent' }) });
    const ports = async () => ((await api.client().get<Endpoints>(R.endpoints, 'default', 'kubernetes')).subsets ?? []).map((s) => s.ports?.[0]?.port);
    const slices = async () => (await api.client().list(R.endpointSlices, 'default', { labelSelector: 'kubernetes.io/service-name=kubernetes' })).items.map((s) => s.metadata.name).sort();
    try {
      const a = server('a', 6443);
      const b = server('b', 7443);
      await a.start();
      await b.start();
      assert.deepEqual(await ports(), [6443, 7443]);
      assert.deepEqual(await slices(), ['kubernetes', 'kubernetes-7443']);
      const l = await api.client().get<Lease>(R.leases, 'kube-system', 'apiserver-a');
      assert.equal(l.metadata.labels?.['apiserver.kubernetes.io/identity'], 'kube-apiserver');

      // b dies (its timer never fires again): a drops it once b's lease has run out.
      const dead = b as unknown as { stopped: boolean; timer: { cancel(): void } };
      dead.stopped = true;
      dead.timer.cancel();
      await clock.advanceSettled(14_000);
      assert.deepEqual(await ports(), [6443, 7443]);
      await clock.advanceSettled(4_000);
      assert.deepEqual(await ports(), [6443]);
      assert.deepEqual(await slices(), ['kubernetes']);
      // and deletes the dead server's lease.
      await assert.rejects(api.client().get(R.leases, 'kube-system', 'apiserver-b'), /not found/);

      await a.stop();
      assert.deepEqual(await ports(), []);
    } finally {
      await api.close();
    }
  });
});
