import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../apis/core/pods.js';
import type { Container } from '../../apis/core/pod-template.js';
import { parseImage } from './image-ref.js';
import { resolveContainer } from './resolve.js';
import { hostBusybox } from './busybox.js';
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
  const ctx = { podIPs: ['127.244.1.2'], dataDir };
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

  const builtins: { name: string; c: Container; want: Partial<BuiltinSpec>; warning?: RegExp; workdir?: string }[] = [
    { name: 'myapp v2 on a declared port, plus its own 80', c: { image: 'ikubernetes/myapp:v2', ports: [{ containerPort: 8080 }] }, want: { kind: 'myapp', version: 'v2', listeners: [http(8080), http(80, false)] } },
    { name: 'myapp without a version tag is v1', c: { image: 'wangyanglinux/myapp' }, want: { kind: 'myapp', version: 'v1', listeners: [http(80, false)] } },
    { name: 'repository ending in myapp', c: { image: 'heqingbao/k8s_myapp:v3', ports: [{ containerPort: 80 }] }, want: { kind: 'myapp', version: 'v3', listeners: [http(80)] } },
    { name: 'nginx with its port declared', c: { image: 'nginx:1.27', ports: [{ containerPort: 80 }] }, want: { kind: 'nginx', listeners: [http(80)] } },
    { name: 'bitnami/nginx listens on 8080', c: { image: 'bitnami/nginx' }, want: { kind: 'nginx', listeners: [http(8080, false)] } },
    { name: 'nginx ignores a command', c: { image: 'nginx', command: ['/bin/sh', '-c', 'nginx -g "daemon off;"'] }, want: { kind: 'nginx' } },
    { name: 'kubeguide/tomcat-app', c: { image: 'kubeguide/tomcat-app:v1', ports: [{ containerPort: 8080 }, { containerPort: 8005 }] }, want: { kind: 'tomcat', listeners: [http(8080), http(8005)] }, workdir: '/usr/local/tomcat' },
    { name: 'nginx:1.7.9 is that version', c: { image: 'nginx:1.7.9' }, want: { kind: 'nginx', version: '1.7.9' } },
    { name: 'lyzhang1999/backend: Flask on 5000', c: { image: 'lyzhang1999/backend:latest' }, want: { kind: 'flask-backend', listeners: [http(5000, false)] }, workdir: '/app' },
    { name: 'lyzhang1999/frontend: the React dev server on 3000', c: { image: 'lyzhang1999/frontend' }, want: { kind: 'react-frontend', listeners: [http(3000, false)] }, workdir: '/frontend' },
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
      assert.equal(r.cwd, join(dataDir, 'pods', 'ns_p_u1', 'c', 'root', c.workdir ?? ''));
      assert.equal(r.workdir, c.workdir);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(spec[k as keyof BuiltinSpec], v, k);
      const warning = r.warnings.find((w) => w.reason === 'BuiltinImage')?.message;
      if (c.warning) assert.match(warning ?? '', c.warning);
      else assert.equal(warning, undefined);
    });
  }

  const bin = join(dataDir, 'busybox', 'bin');
  const programs: { name: string; c: Container; argv: string[]; workdir?: string }[] = [
    { name: 'busybox with command and args', c: { image: 'busybox:1.36', command: ['sh', '-c'], args: ['sleep 3600'] }, argv: ['sh', '-c', 'sleep 3600'] },
    { name: 'busybox with args only', c: { image: 'busybox', args: ['sleep', '10'] }, argv: ['sleep', '10'] },
    { name: 'busybox without a command runs its shell', c: { image: 'busybox' }, argv: ['sh'] },
    { name: "alpine's /bin/sh is busybox's", c: { image: 'alpine:3.20' }, argv: [join(bin, 'sh')] },
    { name: 'alpine', c: { image: 'alpine:3.20', command: ['wget', '-qO-', 'http://web'] }, argv: ['wget', '-qO-', 'http://web'] },
    { name: 'ubuntu: args alone replace its CMD', c: { image: 'ubuntu:24.04', args: ['sleep', '5'] }, argv: ['sleep', '5'] },
    { name: 'curl: args go to curl', c: { image: 'curlimages/curl', args: ['-s', 'http://web'] }, argv: ['curl', '-s', 'http://web'], workdir: '/home/curl_user' },
    { name: 'curl: no args is its CMD', c: { image: 'curlimages/curl' }, argv: ['curl', '--help'], workdir: '/home/curl_user' },
    { name: 'curl: a command drops its entrypoint and CMD', c: { image: 'curlimages/curl', command: ['sleep'], args: ['9'] }, argv: ['sleep', '9'], workdir: '/home/curl_user' },
    { name: 'dnsutils', c: { image: 'registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3', command: ['sleep', 'infinity'] }, argv: ['sleep', 'infinity'] },
    { name: 'an unknown image with an absolute host program', c: { image: 'mycorp/tool', command: ['/bin/sh', '-c', 'echo hi'] }, argv: ['/bin/sh', '-c', 'echo hi'] },
  ];
  for (const c of programs) {
    it(c.name, () => {
      const r = resolveContainer(pod, { name: 'c', ...c.c }, ctx);
      assert.deepEqual({ argv: r.argv, cwd: r.cwd }, { argv: c.argv, cwd: join(dataDir, 'pods', 'ns_p_u1', 'c', 'root', c.workdir ?? '') });
      assert.equal(r.builtin, undefined);
    });
  }

  it("busybox images get busybox's applets first on PATH, below the image's ENV", () => {
    const r = resolveContainer(pod, { name: 'c', image: 'busybox' }, ctx);
    assert.deepEqual(r.imageEnv, { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` });
    assert.equal(realpathSync(join(bin, 'nslookup')), realpathSync(hostBusybox()!));
    assert.deepEqual(resolveContainer(pod, { name: 'c', image: 'debian' }, ctx).imageEnv.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    assert.deepEqual(resolveContainer(pod, { name: 'c', image: 'mycorp/x' }, ctx).imageEnv, {});
  });

  it('postgres: its PGDATA and init scripts from the volumes mounted there, else under its root', () => {
    const mounts = [
      { mountPath: '/docker-entrypoint-initdb.d', source: '/v/init', readOnly: true },
      { mountPath: '/var/lib/postgresql/data/', source: '/v/data', readOnly: false },
    ];
    const c: Container = { name: 'c', image: 'postgres:16', env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }], ports: [{ containerPort: 5432 }] };
    const spec = JSON.parse(resolveContainer(pod, c, { ...ctx, mounts }).argv.at(-1)!) as BuiltinSpec;
    assert.deepEqual(spec.listeners, [{ port: 5432, proto: 'postgres', required: true }]);
    assert.deepEqual(spec.pg, { data: '/v/data/pgdata', initdb: '/v/init' });
    const bare = JSON.parse(resolveContainer(pod, { name: 'c', image: 'postgres' }, ctx).argv.at(-1)!) as BuiltinSpec;
    const root = join(dataDir, 'pods', 'ns_p_u1', 'c', 'root');
    assert.deepEqual(bare.pg, { data: join(root, 'var/lib/postgresql/data'), initdb: join(root, 'docker-entrypoint-initdb.d') });
  });
});
