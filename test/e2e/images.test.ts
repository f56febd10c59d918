// Images as the tutorials show them, on the loopback network with the real kubectl: busybox's
// own wget and nslookup output in busybox- and alpine-based pods, the image's WORKDIR and ENV
// (merged under the pod's env), Docker's command/args semantics, and the tutorial images
// answering as the real ones do (curl from the host, pg_isready against postgres).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Tinykube, eventually } from './harness.js';

const hasTools = spawnSync('busybox', ['true']).status === 0 && spawnSync('pg_isready', ['--version']).status === 0;

const MANIFESTS = `
apiVersion: v1
kind: ConfigMap
metadata: {name: pg-init-script}
data:
  CreateDB.sql: |-
    CREATE TABLE text (
        id serial PRIMARY KEY,
        text VARCHAR ( 100 ) UNIQUE NOT NULL
    );
---
apiVersion: v1
kind: Pod
metadata: {name: postgres, labels: {app: database}}
spec:
  containers:
  - name: postgres
    image: postgres
    ports: [{containerPort: 5432}]
    env: [{name: POSTGRES_USER, value: postgres}, {name: POSTGRES_PASSWORD, value: postgres}]
    volumeMounts: [{name: sqlscript, mountPath: /docker-entrypoint-initdb.d}]
  volumes: [{name: sqlscript, configMap: {name: pg-init-script}}]
---
apiVersion: v1
kind: Pod
metadata: {name: backend, labels: {app: backend}}
spec:
  containers: [{name: backend, image: lyzhang1999/backend:latest, ports: [{containerPort: 5000}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: frontend, labels: {app: frontend}}
spec:
  containers:
  - name: frontend
    image: lyzhang1999/frontend:latest
    ports: [{containerPort: 3000}]
    env: [{name: YARN_VERSION, value: from-the-pod}]
---
apiVersion: v1
kind: Pod
metadata: {name: bb}
spec:
  containers: [{name: bb, image: busybox, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Pod
metadata: {name: myapp-v1}
spec:
  containers: [{name: myapp, image: ikubernetes/myapp:v1, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: myapp-v2}
spec:
  containers: [{name: myapp, image: heqingbao/k8s_myapp:v2, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: tomcat}
spec:
  containers: [{name: tomcat, image: kubeguide/tomcat-app:v1, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: nginx-old}
spec:
  containers: [{name: nginx, image: nginx:1.7.9, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: args-only}
spec:
  restartPolicy: Never
  containers: [{name: c, image: curlimages/curl, args: [--version]}]
---
apiVersion: v1
kind: Pod
metadata: {name: command-set}
spec:
  restartPolicy: Never
  containers: [{name: c, image: curlimages/curl, command: [echo], args: [the, command, alone]}]
`;

describe('images as the tutorials show them (loopback)', { skip: !hasTools && !process.env.CI && 'needs busybox and pg_isready (apt-get install busybox postgresql-client)' }, () => {
  let t: Tinykube;
  const ip = (pod: string): string => t.k(['get', 'pod', pod, '-o', 'jsonpath={.status.podIP}']);
  const curl = (url: string, ...flags: string[]): string => spawnSync('curl', ['-s', '-m', '3', ...flags, url], { encoding: 'utf8' }).stdout;

  before(async () => {
    t = await Tinykube.start();
    t.k(['apply', '-f', '-'], MANIFESTS);
    await eventually(() => t.kubectl('wait --for=condition=Ready pod/postgres pod/backend pod/frontend pod/bb pod/myapp-v1 pod/myapp-v2 pod/tomcat pod/nginx-old --timeout=2s').code === 0, 60_000, 'every server pod Ready');
  });
  after(async () => {
    await t?.destroy();
  });

  it("busybox pods run busybox's wget, with its exact output", () => {
    const target = ip('backend');
    const r = t.kubectl(['exec', 'bb', '--', 'wget', '-O-', `http://${target}:5000/healthy`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '{"healthy":true}\n');
    assert.match(r.stderr, new RegExp(`^Connecting to ${target.replace(/\./g, '\\.')}:5000 \\(${target.replace(/\./g, '\\.')}:5000\\)\nwriting to stdout\n`));
    // Debian's busybox lacks wget -T; the applet directory keeps it working as in the image.
    assert.equal(t.k(['exec', 'bb', '--', 'wget', '-qO-', '-T', '2', `http://${target}:5000/host_name`]), '{"host_name":"backend"}\n');
  });

  it("busybox's nslookup, in its own layout, against the cluster DNS", () => {
    const vip = t.k(['create', 'service', 'clusterip', 'backend', '--tcp=5000:5000']) && t.k(['get', 'svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}']);
    // On loopback a pod keeps the host's resolv.conf, so the DNS server is named.
    const out = t.k(['exec', 'bb', '--', 'nslookup', 'backend.default.svc.cluster.local', '127.53.0.10']);
    assert.match(out, new RegExp(`^Server:\\t\\t127\\.53\\.0\\.10\nAddress:\\t127\\.53\\.0\\.10:53\n\nName:\\tbackend\\.default\\.svc\\.cluster\\.local\nAddress: ${vip.replace(/\./g, '\\.')}\n`));
  });

  it("an alpine-based image: busybox tools, its WORKDIR, its ENV under the pod's env", () => {
    assert.match(t.k(['exec', 'frontend', '--', 'sh', '-c', 'wget --help 2>&1 | head -1']), /^BusyBox v1\./);
    assert.match(t.k(['exec', 'frontend', '--', 'pwd']), /\/frontend\n$/);
    const env = t.k(['exec', 'frontend', '--', 'env']);
    assert.match(env, /^NODE_VERSION=16\.20\.2$/m);
    assert.match(env, /^YARN_VERSION=from-the-pod$/m);
    assert.match(env, /^HOSTNAME=frontend$/m);
    assert.match(env, /^PATH=\S+busybox\/bin:\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
    // `kubectl exec -it … -- sh` under a terminal: busybox's prompt in the WORKDIR.
    const tty = spawnSync('script', ['-qfec', `kubectl --kubeconfig ${t.kubeconfig} exec -it frontend -- sh`, '/dev/null'], { input: 'echo in-$PWD\nexit\n', encoding: 'utf8', timeout: 20_000 });
    assert.match(tty.stdout, /\/frontend # /);
    assert.match(tty.stdout, /in-\S*\/frontend/);
  });

  it('command and args as Docker gives them: args alone follow the entrypoint, a command replaces it', async () => {
    await eventually(() => t.k(['get', 'pod', 'args-only', 'command-set', '-o', 'jsonpath={.items[*].status.phase}']) === 'Succeeded Succeeded', 30_000, 'both pods done');
    assert.match(t.k(['logs', 'args-only']), /^curl \d/);
    assert.equal(t.k(['logs', 'command-set']), 'the command alone\n');
  });

  it('the tutorial images answer as the real ones do', () => {
    const backend = `http://${ip('backend')}:5000`;
    assert.equal(curl(`${backend}/healthy`), '{"healthy":true}\n');
    assert.equal(curl(`${backend}/host_name`), '{"host_name":"backend"}\n');
    assert.match(t.k(['logs', 'backend']), /^ \* Running on all addresses \(0\.0\.0\.0\)$[\s\S]*"GET \/host_name HTTP\/1\.1" 200 -$/m);
    assert.match(curl(`http://${ip('frontend')}:3000/`), /<title>React App<\/title>/);
    assert.equal(curl(`http://${ip('myapp-v1')}/`), 'Hello MyApp | Version: v1 | <a href="hostname.html">Pod Name</a>\n');
    assert.equal(curl(`http://${ip('myapp-v2')}/`), 'Hello MyApp | Version: v2 | <a href="hostname.html">Pod Name</a>\n');
    assert.equal(curl(`http://${ip('myapp-v2')}/hostname.html`), 'myapp-v2\n');
    assert.match(curl(`http://${ip('tomcat')}:8080/`), /Apache Tomcat/);
    assert.match(curl(`http://${ip('nginx-old')}/`, '-I'), /^Server: nginx\/1\.7\.9\r$/m);
  });

  it('postgres: pg_isready sees it accepting connections; its init script ran at first start', () => {
    const host = ip('postgres');
    assert.equal(spawnSync('pg_isready', ['-h', host, '-p', '5432'], { encoding: 'utf8' }).stdout.trim(), `${host}:5432 - accepting connections`);
    const logs = t.k(['logs', 'postgres']);
    assert.match(logs, /^\/usr\/local\/bin\/docker-entrypoint\.sh: running \/docker-entrypoint-initdb\.d\/CreateDB\.sql\nCREATE TABLE$/m);
    assert.match(logs, /database system is ready to accept connections/);
  });
});
