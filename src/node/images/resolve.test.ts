import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../apis/core/pods.js';
import type { Container } from '../../apis/core/pod-template.js';
import { parseImage } from './image-ref.js';
import { resolveContainer } from './resolve.js';
import type { BuiltinSpec, Listener } from './spec.js';

describe('parseImage', () => {
  const cases: [string, string, string, string][] = [
    ['nginx', 'nginx', 'nginx', 'latest'],
    ['library/nginx:1.27', 'nginx', 'nginx', '1.27'],
    ['docker.io/library/nginx:1.27', 'nginx', 'nginx', '1.27'],
    ['bitnami/nginx', 'bitnami/nginx', 'nginx', 'latest'],
    ['ikubernetes/myapp:v2', 'ikubernetes/myapp', 'myapp', 'v2'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.53', 'e2e-test-images/agnhost', 'agnhost', '2.53'],
    ['localhost:5000/team/app:1', 'team/app', 'app', '1'],
    ['busybox@sha256:abc', 'busybox', 'busybox', ''],
  ];
  for (const [image, repository, name, tag] of cases) it(image, () => assert.deepEqual(parseImage(image), { repository, name, tag }));
});

describe('resolveContainer', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-resolve-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: {} };
  const ctx = { podIP: '127.244.1.2', dataDir };
  const http = (port: number, required = true): Listener => ({ port, proto: 'http', required });

  it('tinykube/coredns runs the DNS server script, which exists', () => {
    const r = resolveContainer(pod, { name: 'coredns', image: 'tinykube/coredns:latest' }, ctx);
    const script = r.argv[r.argv.length - 1];
    assert.match(script, /dns[/\\]pod-main\.ts$/);
    assert.ok(statSync(script).isFile());
    assert.equal(r.builtin, undefined);
  });

  it("tinykube/kube-proxy follows this node's proxy log from its start", () => {
    const r = resolveContainer(pod, { name: 'kube-proxy', image: 'tinykube/kube-proxy' }, ctx);
    assert.deepEqual(r.argv, ['tail', '-n', '+1', '-F', join(dataDir, 'logs', 'kube-proxy.log')]);
  });

  const builtins: { name: string; c: Container; want: Partial<BuiltinSpec>; warning?: RegExp }[] = [
    { name: 'myapp v2 on a declared port, plus its own 80', c: { image: 'ikubernetes/myapp:v2', ports: [{ containerPort: 8080 }] }, want: { kind: 'myapp', version: 'v2', listeners: [http(8080), http(80, false)] } },
    { name: 'myapp without a version tag is v1', c: { image: 'wangyanglinux/myapp' }, want: { kind: 'myapp', version: 'v1', listeners: [http(80, false)] } },
    { name: 'repository ending in myapp', c: { image: 'heqingbao/k8s_myapp:v3', ports: [{ containerPort: 80 }] }, want: { kind: 'myapp', version: 'v3', listeners: [http(80)] } },
    { name: 'nginx with its port declared', c: { image: 'nginx:1.27', ports: [{ containerPort: 80 }] }, want: { kind: 'nginx', listeners: [http(80)] } },
    { name: 'bitnami/nginx listens on 8080', c: { image: 'bitnami/nginx' }, want: { kind: 'nginx', listeners: [http(8080, false)] } },
    { name: 'nginx ignores a command', c: { image: 'nginx', command: ['/bin/sh', '-c', 'nginx -g "daemon off;"'] }, want: { kind: 'nginx' } },
    { name: 'kubeguide/tomcat-app', c: { image: 'kubeguide/tomcat-app:v1' }, want: { kind: 'tomcat', listeners: [http(8080, false)] } },
    {
      name: 'agnhost netexec with its flags, after /agnhost',
      c: { image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', command: ['/agnhost', 'netexec'], args: ['--http-port=9000', '--udp-port', '9001'] },
      want: { kind: 'netexec', listeners: [http(9000), { port: 9001, proto: 'udp', required: true }] },
    },
    { name: 'agnhost serve-hostname from args', c: { image: 'k8s.gcr.io/e2e-test-images/agnhost:2.20', args: ['serve-hostname'] }, want: { kind: 'serve-hostname', listeners: [http(9376)] } },
    { name: 'agnhost without args pauses', c: { image: 'gcr.io/kubernetes-e2e-test-images/agnhost:2.8' }, want: { kind: 'pause', listeners: [] } },
    { name: 'the pause image', c: { image: 'registry.k8s.io/pause:3.9' }, want: { kind: 'pause' } },
    { name: 'the HPA walkthrough\'s php-apache', c: { image: 'registry.k8s.io/hpa-example', ports: [{ containerPort: 80 }] }, want: { kind: 'hpa-example', listeners: [http(80, true)] } },
    { name: 'hello-app from the GKE docs', c: { image: 'us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0' }, want: { kind: 'hello-app', version: '1.0.0' } },
    { name: 'gcr hello-app', c: { image: 'gcr.io/google-samples/hello-app:2.0' }, want: { kind: 'hello-app', version: '2.0.0', listeners: [http(8080, false)] } },
    { name: 'http-echo text and listen address', c: { image: 'hashicorp/http-echo', args: ['-text=apple', '-listen=:5679'] }, want: { kind: 'http-echo', text: 'apple', listeners: [http(5679, false)] } },
    { name: 'echoserver', c: { image: 'registry.k8s.io/echoserver:1.10' }, want: { kind: 'echo', listeners: [http(8080, false)] } },
    {
      name: 'an unknown image: the echo server on its declared TCP and UDP ports, with a warning',
      c: { image: 'mycorp/billing:3', ports: [{ containerPort: 7000 }, { containerPort: 7001, protocol: 'UDP' }] },
      want: { kind: 'echo', image: 'mycorp/billing', listeners: [http(7000), { port: 7001, proto: 'udp', required: true }] },
      warning: /image mycorp\/billing:3 is not built into tinykube/,
    },
    { name: 'a name that is an Object property is just unknown', c: { image: 'constructor' }, want: { kind: 'echo', listeners: [] }, warning: /not built into tinykube/ },
    { name: 'an agnhost subcommand not built in', c: { image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['porter'] }, want: { kind: 'echo' }, warning: /agnhost porter is not built into tinykube/ },
  ];
  for (const c of builtins) {
    it(c.name, () => {
      const r = resolveContainer(pod, { name: 'c', ...c.c }, ctx);
      const spec = JSON.parse(r.argv[r.argv.length - 1]) as BuiltinSpec;
      assert.equal(r.argv[0], process.execPath);
      assert.equal(spec.host, '127.244.1.2');
      assert.equal(r.builtin, spec.kind);
      assert.equal(r.cwd, join(dataDir, 'pods', 'ns_p_u1', 'c', 'root'));
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(spec[k as keyof BuiltinSpec], v, k);
      if (c.warning) assert.match(r.warning ?? '', c.warning);
      else assert.equal(r.warning, undefined);
    });
  }

  const programs: { name: string; c: Container; argv: string[] }[] = [
    { name: 'busybox with command and args', c: { image: 'busybox:1.36', command: ['sh', '-c'], args: ['sleep 3600'] }, argv: ['sh', '-c', 'sleep 3600'] },
    { name: 'busybox with args only', c: { image: 'busybox', args: ['sleep', '10'] }, argv: ['sleep', '10'] },
    { name: 'busybox without a command runs its shell', c: { image: 'busybox' }, argv: ['sh'] },
    { name: 'alpine', c: { image: 'alpine:3.20', command: ['wget', '-qO-', 'http://web'] }, argv: ['wget', '-qO-', 'http://web'] },
    { name: 'curl: args go to curl', c: { image: 'curlimages/curl', args: ['-s', 'http://web'] }, argv: ['curl', '-s', 'http://web'] },
    { name: 'dnsutils', c: { image: 'registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3', command: ['sleep', 'infinity'] }, argv: ['sleep', 'infinity'] },
    { name: 'an unknown image with an absolute host program', c: { image: 'mycorp/tool', command: ['/bin/sh', '-c', 'echo hi'] }, argv: ['/bin/sh', '-c', 'echo hi'] },
  ];
  for (const c of programs) {
    it(c.name, () => {
      const r = resolveContainer(pod, { name: 'c', ...c.c }, ctx);
      assert.deepEqual(r, { argv: c.argv, cwd: join(dataDir, 'pods', 'ns_p_u1', 'c', 'root') });
      assert.ok(statSync(r.cwd!).isDirectory());
    });
  }
});
