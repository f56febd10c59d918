import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../apis/core/pods.js';
import type { Container } from '../apis/core/pod-template.js';
import type { Service } from '../apis/core/service/types.js';
import { containerEnv, ContainerConfigError, expand, serviceEnv, type ConfigSources } from './env.js';

const svc = (namespace: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace, name }, spec });

const kubernetes = svc('default', 'kubernetes', { clusterIP: '127.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] });
const fooservice = svc('ns1', 'fooservice', { clusterIP: '127.96.0.20', ports: [{ port: 8765, protocol: 'TCP', targetPort: 8080 }] });

const pod = (namespace: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'web-1', namespace, uid: 'uid-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'node1', serviceAccountName: 'default', containers: [], ...spec },
});

describe('serviceEnv', () => {
  const cases: { name: string; svc: Service; want: Record<string, string> }[] = [
    {
      name: 'conformance: fooservice 8765 → 8080',
      svc: fooservice,
      want: {
        FOOSERVICE_SERVICE_HOST: '127.96.0.20',
        FOOSERVICE_SERVICE_PORT: '8765',
        FOOSERVICE_PORT: 'tcp://127.96.0.20:8765',
        FOOSERVICE_PORT_8765_TCP: 'tcp://127.96.0.20:8765',
        FOOSERVICE_PORT_8765_TCP_PROTO: 'tcp',
        FOOSERVICE_PORT_8765_TCP_PORT: '8765',
        FOOSERVICE_PORT_8765_TCP_ADDR: '127.96.0.20',
      },
    },
    {
      name: 'named ports, UDP, dashes and a leading digit',
      svc: svc('ns1', '1-dns', {
        clusterIP: '127.96.0.10',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      }),
      want: {
        _1_DNS_SERVICE_HOST: '127.96.0.10',
        _1_DNS_SERVICE_PORT: '53',
        _1_DNS_SERVICE_PORT_DNS: '53',
        _1_DNS_SERVICE_PORT_DNS_TCP: '53',
        _1_DNS_PORT: 'udp://127.96.0.10:53',
        _1_DNS_PORT_53_UDP: 'udp://127.96.0.10:53',
        _1_DNS_PORT_53_UDP_PROTO: 'udp',
        _1_DNS_PORT_53_UDP_PORT: '53',
        _1_DNS_PORT_53_UDP_ADDR: '127.96.0.10',
        _1_DNS_PORT_53_TCP: 'tcp://127.96.0.10:53',
        _1_DNS_PORT_53_TCP_PROTO: 'tcp',
        _1_DNS_PORT_53_TCP_PORT: '53',
        _1_DNS_PORT_53_TCP_ADDR: '127.96.0.10',
      },
    },
    { name: 'headless: nothing', svc: svc('ns1', 'h', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }), want: {} },
    { name: 'ExternalName: nothing', svc: svc('ns1', 'x', { type: 'ExternalName', externalName: 'example.com' }), want: {} },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(serviceEnv(c.svc), c.want));
});

describe('expand', () => {
  const vars: Record<string, string> = { A: 'a', EMPTY: '' };
  const cases: [string, string, string][] = [
    ['plain text', 'hello', 'hello'],
    ['a defined variable', 'x-$(A)-y', 'x-a-y'],
    ['an empty variable', '[$(EMPTY)]', '[]'],
    ['an undefined variable stays', '$(NOPE)', '$(NOPE)'],
    ['$$ escapes', '$$(A)', '$(A)'],
    ['a lone $', 'cost $5 $', 'cost $5 $'],
    ['an unclosed reference', '$(A', '$(A'],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(expand(input, (n) => vars[n]), want));
});

describe('containerEnv', () => {
  const services = [kubernetes, fooservice, svc('ns2', 'other', { clusterIP: '127.96.0.30', ports: [{ port: 80 }] })];
  const container = (env: Container['env']): Container => ({ name: 'c', image: 'busybox', env });
  const cases: { name: string; pod: Pod; env?: Container['env']; want: Record<string, string | undefined> }[] = [
    {
      name: 'pod variables, the namespace services and the master service; not other namespaces',
      pod: pod('ns1'),
      want: {
        HOSTNAME: 'web-1',
        POD_IP: '127.244.0.5',
        POD_NAME: 'web-1',
        POD_NAMESPACE: 'ns1',
        FOOSERVICE_SERVICE_HOST: '127.96.0.20',
        KUBERNETES_SERVICE_HOST: '127.96.0.1',
        KUBERNETES_SERVICE_PORT: '443',
        KUBERNETES_SERVICE_PORT_HTTPS: '443',
        KUBERNETES_PORT_443_TCP: 'tcp://127.96.0.1:443',
        OTHER_SERVICE_HOST: undefined,
      },
    },
    {
      name: 'enableServiceLinks false keeps only the master service',
      pod: pod('ns1', { enableServiceLinks: false }),
      want: { FOOSERVICE_SERVICE_HOST: undefined, KUBERNETES_SERVICE_HOST: '127.96.0.1' },
    },
    { name: 'spec.hostname sets HOSTNAME', pod: pod('ns1', { hostname: 'box' }), want: { HOSTNAME: 'box', POD_NAME: 'web-1' } },
    {
      name: 'downward API field references',
      pod: pod('ns1'),
      env: [
        'metadata.name',
        'metadata.namespace',
        'metadata.uid',
        "metadata.labels['app']",
        "metadata.annotations['note']",
        'spec.nodeName',
        'spec.serviceAccountName',
        'status.podIP',
        'status.hostIP',
      ].map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
      want: { F0: 'web-1', F1: 'ns1', F2: 'uid-1', F3: 'web', F4: 'hi', F5: 'node1', F6: 'default', F7: '127.244.0.5', F8: '127.0.0.9' },
    },
    {
      name: 'values expand earlier declarations and service variables, not later ones',
      pod: pod('ns1'),
      env: [
        { name: 'FIRST', value: 'one' },
        { name: 'URL', value: 'http://$(FOOSERVICE_SERVICE_HOST):$(FOOSERVICE_SERVICE_PORT)/$(FIRST)/$(LATER)' },
        { name: 'LATER', value: 'two' },
      ],
      want: { URL: 'http://127.96.0.20:8765/one/$(LATER)' },
    },
    {
      name: 'declared variables win over service and pod variables',
      pod: pod('ns1'),
      env: [
        { name: 'FOOSERVICE_SERVICE_HOST', value: 'mine' },
        { name: 'POD_IP', value: 'also-mine' },
      ],
      want: { FOOSERVICE_SERVICE_HOST: 'mine', POD_IP: 'also-mine' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const env = containerEnv(c.pod, container(c.env), services, { podIPs: ['127.244.0.5'], hostIPs: ['127.0.0.9'] }, noSources);
      assert.ok(env.PATH);
      for (const [k, v] of Object.entries(c.want)) assert.equal(env[k], v, k);
    });
  }

  it('gives a dual-stack pod its addresses: the singular fields the primary, the plural ones comma-separated', () => {
    const fields = ['status.podIP', 'status.podIPs', 'status.hostIP', 'status.hostIPs'];
    const env = containerEnv(
      pod('ns1'),
      container(fields.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } }))),
      [],
      { podIPs: ['10.244.1.5', 'fd00:10:244:1::5'], hostIPs: ['172.20.0.11', 'fd00:20::11'] },
      noSources,
    );
    assert.deepEqual([env.F0, env.F1, env.F2, env.F3, env.POD_IP], ['10.244.1.5', '10.244.1.5,fd00:10:244:1::5', '172.20.0.11', '172.20.0.11,fd00:20::11', '10.244.1.5']);
  });

  it("merges the image's ENV below as a runtime does: the pod's env wins, HOSTNAME is the runtime's", () => {
    const image = { PATH: '/bb:/usr/bin', NODE_VERSION: '16.20.2', YARN_VERSION: '1.22.19', HOSTNAME: 'image-host' };
    const env = containerEnv(pod('ns1'), container([{ name: 'YARN_VERSION', value: 'mine' }]), services, { podIPs: ['127.244.0.5'], hostIPs: ['127.0.0.9'] }, noSources, [], image);
    assert.deepEqual(
      [env.PATH, env.NODE_VERSION, env.YARN_VERSION, env.HOSTNAME, env.KUBERNETES_SERVICE_PORT],
      ['/bb:/usr/bin', '16.20.2', 'mine', 'web-1', '443'],
    );
  });
});

const noSources: ConfigSources = { configMap: () => undefined, secret: () => undefined };

describe('containerEnv from ConfigMaps and Secrets', () => {
  const sources: ConfigSources = {
    configMap: (ns, name) =>
      ns === 'ns1' && name === 'app' ? { metadata: { name, namespace: ns }, data: { LOG_LEVEL: 'debug', MODE: 'fast', 'bad key': 'x' } } : undefined,
    secret: (ns, name) => (ns === 'ns1' && name === 'db' ? { metadata: { name, namespace: ns }, data: { password: Buffer.from('s3cr3t').toString('base64') } } : undefined),
  };
  const run = (c: Partial<Container>): { env: Record<string, string>; warnings: string[] } => {
    const warnings: string[] = [];
    const env = containerEnv(pod('ns1'), { name: 'c', image: 'busybox', ...c }, [], { podIPs: ['127.244.0.5'], hostIPs: ['127.0.0.9'] }, sources, warnings);
    return { env, warnings };
  };
  it('configMapKeyRef and secretKeyRef; env wins over envFrom; optional missing ones stay unset', () => {
    const { env } = run({
      envFrom: [{ configMapRef: { name: 'app' }, prefix: 'APP_' }, { secretRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app', key: 'LOG_LEVEL' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'APP_MODE', value: 'slow-$(LEVEL)' },
        { name: 'MAYBE', valueFrom: { configMapKeyRef: { name: 'app', key: 'missing', optional: true } } },
        { name: 'GONE', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } },
      ],
    });
    assert.equal(env.LEVEL, 'debug');
    assert.equal(env.PASSWORD, 's3cr3t');
    assert.equal(env.APP_LOG_LEVEL, 'debug');
    assert.equal(env.APP_MODE, 'slow-debug');
    assert.ok(!('MAYBE' in env) && !('GONE' in env));
  });
  it('envFrom skips keys that are not variable names, with kubelet\'s event text', () => {
    const { env, warnings } = run({ envFrom: [{ configMapRef: { name: 'app' } }] });
    assert.equal(env.MODE, 'fast');
    assert.ok(!('bad key' in env));
    assert.deepEqual(warnings, ['Keys [bad key] from the EnvFrom configmap ns1/app were skipped since they are considered invalid environment variable names.']);
  });
  const failures: { name: string; c: Partial<Container>; message: string }[] = [
    { name: 'a missing key', c: { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'nope' } } }] }, message: "couldn't find key nope in ConfigMap ns1/app" },
    { name: 'a missing secret key', c: { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } }] }, message: "couldn't find key user in Secret ns1/db" },
    { name: 'a missing ConfigMap', c: { envFrom: [{ configMapRef: { name: 'gone' } }] }, message: 'configmap "gone" not found' },
    { name: 'a missing Secret', c: { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, message: 'secret "gone" not found' },
  ];
  for (const f of failures)
    it(`${f.name}: CreateContainerConfigError's message`, () => assert.throws(() => run(f.c), (e: Error) => e instanceof ContainerConfigError && e.message === f.message));
});
