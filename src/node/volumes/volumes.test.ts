import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../apis/core/pods.js';
import type { Volume } from '../../apis/core/pod-template.js';
import type { ConfigSources } from '../env.js';
import { writeAtomically } from './atomic-writer.js';
import { volumePayload, VolumeSetupError, type PayloadContext, type Payload } from './payload.js';
import { PodVolumes } from './pod-volumes.js';
import type { Client } from '../../client/client.js';
import type { KubeObject } from '../../apis/types.js';

const pod: Pod = { metadata: { name: 'web', namespace: 'ns1', uid: 'u1', labels: { app: 'web' } }, spec: { containers: [] } };
const sources: ConfigSources = {
  configMap: (ns, name) => (ns === 'ns1' && name === 'cfg' ? { metadata: { name }, data: { 'app.conf': 'a=1' }, binaryData: { logo: Buffer.from([0, 1]).toString('base64') } } : undefined),
  secret: (ns, name) => (ns === 'ns1' && name === 'db' ? { metadata: { name }, data: { password: Buffer.from('pw').toString('base64') } } : undefined),
};
const ctx: PayloadContext = { sources, podIPs: ['10.244.0.5'], hostIPs: ['10.0.0.1'], token: (aud, exp) => `token(${aud ?? ''},${exp})` };
const files = (p: Payload | undefined): Record<string, string> =>
  Object.fromEntries([...(p ?? [])].map(([k, f]) => [k, `${f.data.toString('utf8')} ${f.mode.toString(8)}`]));

describe('volumePayload', () => {
  const cases: { name: string; v: Volume; want: Record<string, string> }[] = [
    { name: 'configMap: data and binaryData', v: { name: 'v', configMap: { name: 'cfg', defaultMode: 0o644 } }, want: { 'app.conf': 'a=1 644', logo: '\u0000\u0001 644' } },
    {
      name: 'configMap items with their paths and modes',
      v: { name: 'v', configMap: { name: 'cfg', defaultMode: 0o644, items: [{ key: 'app.conf', path: 'etc/app.conf', mode: 0o400 }] } },
      want: { 'etc/app.conf': 'a=1 400' },
    },
    { name: 'an optional missing configMap is empty', v: { name: 'v', configMap: { name: 'nope', optional: true } }, want: {} },
    { name: 'secret, decoded', v: { name: 'v', secret: { secretName: 'db', defaultMode: 0o600 } }, want: { password: 'pw 600' } },
    {
      name: 'projected: token, ConfigMap and downward API',
      v: {
        name: 'v',
        projected: {
          defaultMode: 0o644,
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
      want: { token: 'token(,3607) 644', 'ca.crt': 'a=1 644', namespace: 'ns1 644' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(files(volumePayload(pod, c.v, ctx)), c.want));
  const failures: { name: string; v: Volume; message: string }[] = [
    { name: 'a missing configMap', v: { name: 'v', configMap: { name: 'nope' } }, message: 'configmap "nope" not found' },
    { name: 'a missing key in items', v: { name: 'v', configMap: { name: 'cfg', items: [{ key: 'x', path: 'x' }] } }, message: 'configmap references non-existent config key: x' },
    { name: 'a missing secret key in items', v: { name: 'v', secret: { secretName: 'db', items: [{ key: 'user', path: 'u' }] } }, message: 'secret references non-existent secret key: user' },
  ];
  for (const f of failures)
    it(f.name, () => assert.throws(() => volumePayload(pod, f.v, ctx), (e: Error) => e instanceof VolumeSetupError && e.message === f.message));
  it('emptyDir has no payload', () => assert.equal(volumePayload(pod, { name: 'v', emptyDir: {} }, ctx), undefined));
});

describe('writeAtomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-writer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const payload = (entries: Record<string, string>): Payload => new Map(Object.entries(entries).map(([k, v]) => [k, { data: Buffer.from(v), mode: 0o640 }]));

  it('writes a timestamped dir behind ..data and a symlink per top-level name', async () => {
    assert.equal(await writeAtomically(dir, payload({ a: '1', 'sub/b': '2' }), new Date('2024-01-02T03:04:05Z')), true);
    const data = readlinkSync(join(dir, '..data'));
    assert.match(data, /^\.\.2024_01_02_03_04_05\.\w+$/);
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    assert.equal(readFileSync(join(dir, 'sub', 'b'), 'utf8'), '2');
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o640);
    // As kubelet's atomic writer: walkable by a container's non-root user, whatever the umask.
    assert.equal(statSync(join(dir, data)).mode & 0o777, 0o755);
  });
  it('an unchanged payload writes nothing', async () => assert.equal(await writeAtomically(dir, payload({ a: '1', 'sub/b': '2' })), false));
  it('an update swaps ..data, drops names that went and the old dir', async () => {
    const before = readlinkSync(join(dir, '..data'));
    assert.equal(await writeAtomically(dir, payload({ a: 'changed', c: '3' })), true);
    assert.notEqual(readlinkSync(join(dir, '..data')), before);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
    assert.equal(readFileSync(join(dir, 'c'), 'utf8'), '3');
    assert.throws(() => lstatSync(join(dir, 'sub')));
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('..20')).length, 1);
  });
  it('concurrent writes to one directory take turns: the last one shows, nothing is left over', async () => {
    const results = await Promise.all(['x', 'y', 'z'].map((v) => writeAtomically(dir, payload({ a: v, [v]: v }))));
    assert.deepEqual(results, [true, true, true]);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'z');
    assert.deepEqual(readdirSync(dir).sort(), ['..data', readlinkSync(join(dir, '..data')), 'a', 'z'].sort());
  });
  it('a directory that does not exist yet gets the same layout, and takes updates after', async () => {
    const fresh = join(dir, 'new', 'volume');
    assert.equal(await writeAtomically(fresh, payload({ a: '1', 'sub/b': '2' })), true);
    const data = readlinkSync(join(fresh, '..data'));
    assert.deepEqual(readdirSync(fresh).sort(), ['..data', data, 'a', 'sub'].sort());
    assert.equal(readlinkSync(join(fresh, 'sub')), '..data/sub');
    assert.equal(readFileSync(join(fresh, 'sub', 'b'), 'utf8'), '2');
    assert.equal(await writeAtomically(fresh, payload({ a: '1', 'sub/b': '2' })), false);
    assert.equal(await writeAtomically(fresh, payload({ a: '2' })), true);
    assert.deepEqual(readdirSync(fresh).sort(), ['..data', readlinkSync(join(fresh, '..data')), 'a'].sort());
  });
});

describe('PodVolumes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pod-volumes-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Only get is used: a claim, bound or not, and the PersistentVolume behind it.
  const objects: Record<string, KubeObject> = {
    'persistentvolumeclaims/ns1/data': { metadata: { name: 'data' }, spec: { volumeName: 'pvc-123' } },
    'persistentvolumeclaims/ns1/pending': { metadata: { name: 'pending' }, spec: {} },
    'persistentvolumes//pvc-123': { metadata: { name: 'pvc-123' }, spec: { hostPath: { path: '/srv/local-path/pvc-123' } } },
  };
  const client = {
    get: async (r: { resource: string }, ns: string | undefined, name: string) => {
      const o = objects[`${r.resource}/${ns ?? ''}/${name}`];
      if (!o) throw Object.assign(new Error('not found'), { code: 404 });
      return o;
    },
  } as unknown as Client;
  const volumes = new PodVolumes(dataDir, client);
  const withVolumes = (v: Volume[]): Pod => ({ ...pod, spec: { containers: [], volumes: v } });

  it('a claim resolves to its PersistentVolume hostPath; emptyDir and configMap to the pod directory', async () => {
    const paths = await volumes.setUp(
      withVolumes([
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'scratch', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'cfg' } },
      ]),
      ctx,
    );
    assert.equal(paths.get('data'), '/srv/local-path/pvc-123');
    assert.equal(paths.get('scratch'), join(dataDir, 'pods', 'ns1_web_u1', 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
    assert.equal(readFileSync(join(paths.get('cfg')!, 'app.conf'), 'utf8'), 'a=1');
  });
  const failures: [string, Volume, string][] = [
    ['a missing claim', { name: 'd', persistentVolumeClaim: { claimName: 'nope' } }, 'MountVolume.SetUp failed for volume "d" : persistentvolumeclaim "nope" not found'],
    ['an unbound claim', { name: 'd', persistentVolumeClaim: { claimName: 'pending' } }, 'MountVolume.SetUp failed for volume "d" : PersistentVolumeClaim is not bound: "pending"'],
    ['a missing ConfigMap', { name: 'c', configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "c" : configmap "nope" not found'],
  ];
  for (const [name, v, message] of failures)
    it(name, () => assert.rejects(volumes.setUp(withVolumes([v]), ctx), (e: Error) => e instanceof VolumeSetupError && e.message === message));
});
