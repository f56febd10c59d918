// The rootless network end to end, as an unprivileged user (CI is root: TINYKUBE_TEST_USER, made
// by .ci/run): `tinykube up` with no network flag builds nodes, pods, the outside client and the
// CoreDNS pods inside a user namespace it holds. Pods resolve Service names, reach names outside
// the cluster and a server on the host; the host reaches NodePorts and LoadBalancers; a kill -9
// and a closed terminal (SIGHUP) leave nothing; and the machine's own namespace is the same
// afterwards.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHostServers, type HostServers } from '../support/host-servers.js';
import { asUser, requiresRootless, rootlessUser } from '../support/rootless.js';
import { TERMINAL } from '../support/terminal.js';
import { alive, descendants } from '../support/processes.js';
import { Tinykube, acquireMachineLock, eventually, releaseMachineLock, rows } from './harness.js';
import { hostCurl, leftovers } from './netns-suite.js';

const BIN = new URL('../../bin/tinykube.js', import.meta.url).pathname;

/** What the host's own network namespace looks like: it must not change. (Its namespace names
 *  and mounts change with other tests running beside this one: leftovers() checks ours.) */
function hostNetwork(): string {
  const out = (cmd: string[]): string => spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' }).stdout ?? '';
  return [out(['ip', '-o', 'link']), out(['ip', 'route']), out(['ip', 'rule']), out(['nft', 'list', 'ruleset'])].join('\n');
}

/** The host's mounts made by tinykube (its tmpfs are named so): none may ever be seen here. */
const hostMountsOfOurs = (): string[] => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - \S+ tinykube /.test(l));

/** Processes whose command line names `dataDir`, with their real uid. */
function processesOf(dataDir: string): { pid: number; uid: number }[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir)) return [];
        const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]);
        return [{ pid: Number(p), uid }];
      } catch {
        return [];
      }
    });
}

const APPS = `
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: other}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [serve-hostname], ports: [{containerPort: 9376}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 9376}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless, namespace: other}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 9376}]
---
apiVersion: v1
kind: Service
metadata: {name: my-database}
spec:
  type: ExternalName
  externalName: my.database.example.com
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: client, image: busybox, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: other}
spec:
  containers: [{name: client, image: busybox, command: [sleep, '3600']}]
`;

const rootless = requiresRootless();

describe('the rootless network (the default), as an unprivileged user', { skip: rootless.skip }, () => {
  before(rootless.check);
  let t: Tinykube;
  let servers: HostServers;
  let before_: string;
  let flags: string[];

  before(async () => {
    before_ = hostNetwork();
    servers = await startHostServers({ 'my.database.example.com': ['192.0.2.44'] }, 'the host answers\n');
    flags = ['--nodes', '2', '--netns-prefix', 'tkroot', '--dns-upstream', `127.0.0.1:${servers.dnsPort}`];
    t = await Tinykube.start(flags, undefined, { user: rootlessUser, network: 'default' });
    await eventually(() => rows(t.k('get nodes')).filter((r) => r[1] === 'Ready').length === 2, 60_000, 'two Ready nodes');
    t.k(['apply', '-f', t.manifest('apps.yaml', APPS)]);
    await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --all-namespaces --timeout=2s').code === 0, 90_000, 'every pod Ready');
  });

  after(async () => {
    const dataDir = t?.dataDir;
    await t?.destroy();
    await servers?.stop();
    if (dataDir) {
      assert.deepEqual(processesOf(dataDir), [], 'no process left');
      assert.deepEqual(leftovers('tkroot', dataDir), [], 'no namespace or /etc/netns entry in the host');
    }
    assert.deepEqual(hostMountsOfOurs(), [], 'no mount of ours in the host');
    if (before_) assert.equal(hostNetwork(), before_, "the host's links, routes, rules, namespaces and nft tables are unchanged");
  });

  it('runs by default, says so, and no process of it is root', async () => {
    await eventually(() => t.log.includes('Network: netns (rootless)'), 10_000, 'the banner');
    assert.match(t.log, /Network: netns \(rootless\) — 2 nodes in a user namespace held by this process, no root, datapath nftables/);
    const procs = processesOf(t.dataDir);
    assert.ok(procs.length >= 4, `up, the first process inside and the agents: ${JSON.stringify(procs)}`);
    for (const p of procs) assert.equal(p.uid, rootlessUser!.uid, `pid ${p.pid} runs as ${p.uid}`);
    assert.notEqual(rootlessUser!.uid, 0);
  });

  it('resolves Service names in pods: short, name.namespace and FQDN', async () => {
    const names = new Set(rows(t.k('get pods -n other -l app=web')).map((r) => r[0]));
    for (const [ns, url] of [
      ['other', 'http://web/'],
      ['default', 'http://web.other/'],
      ['default', 'http://web.other.svc.cluster.local/'],
    ] as const) {
      const answer = await eventually(() => t.kubectl(['exec', '-n', ns, 'client', '--', 'wget', '-qO-', '-T', '2', url]).stdout.trim(), 20_000, url);
      assert.ok(names.has(answer), `${url} answered ${answer}`);
    }
  });

  it('nslookup of a headless Service answers one address per pod', () => {
    const ips = rows(t.k('get pods -n other -l app=web -o wide')).map((r) => r[5]).sort();
    // busybox's nslookup tries the search domains only for a name without dots (as in a real
    // busybox pod), and exits 1 when an AAAA query finds nothing.
    const out = t.kubectl(['exec', 'client', '--', 'nslookup', 'web-headless.other.svc.cluster.local']).stdout;
    assert.deepEqual([...out.matchAll(/Address: (10\.244\.\d+\.\d+)/g)].map((m) => m[1]).sort(), ips);
  });

  it('lists the CoreDNS pods, and dig at one answers from tinykube shell', () => {
    const dns = rows(t.k('get pods -n kube-system -o wide')).filter((r) => r[0]!.startsWith('coredns-'));
    assert.equal(dns.length, 2);
    const vip = t.k('get svc -n other web -o jsonpath={.spec.clusterIP}');
    for (const pod of dns) assert.equal(t.shell(undefined, ['dig', '+short', `@${pod[5]}`, 'web.other.svc.cluster.local']), vip);
    assert.equal(t.shell('tkroot-node-2', ['dig', '+short', '@10.96.0.10', 'web.other.svc.cluster.local']), vip);
  });

  it('tinykube shell runs the tutorials’ node commands as root of the namespace', () => {
    const vip = t.k('get svc -n other web -o jsonpath={.spec.clusterIP}');
    assert.match(t.shell(undefined, ['curl', '-s', '-m', '2', `http://${vip}/`]), /^web-/);
    assert.match(t.shell(undefined, ['nft', 'list', 'table', 'ip', 'tinykube']), /chain services/);
    assert.match(t.shell(undefined, ['id', '-u']), /^0$/);
    assert.match(t.shell('client', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), /inet 172\.20\.0\.2\/24/);
  });

  it('resolves names outside the cluster and ExternalName chains from pods, through the host', async () => {
    const out = await eventually(() => t.kubectl(['exec', 'client', '--', 'nslookup', 'my-database']).stdout, 20_000, 'my-database resolved');
    assert.match(out, /canonical name = my\.database\.example\.com/);
    // Only the upstream on the host knows this address.
    assert.match(out, /Address: 192\.0\.2\.44/);
  });

  it('reaches a server on the host through a selector-less Service with manual Endpoints at 172.20.0.1', async () => {
    t.k(['apply', '-f', t.manifest('hostdb.yaml', `
apiVersion: v1
kind: Service
metadata: {name: hostdb}
spec: {ports: [{port: 80, targetPort: ${servers.httpPort}}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: hostdb}
subsets: [{addresses: [{ip: 172.20.0.1}], ports: [{port: ${servers.httpPort}}]}]
`)]);
    assert.equal(await eventually(() => t.kubectl(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', 'http://hostdb/']).stdout.trim(), 20_000, 'the host server'), 'the host answers');
  });

  it('reaches the API server from a pod through the kubernetes Service', async () => {
    assert.match(t.k('get endpoints kubernetes -o jsonpath={.subsets[0].addresses[0].ip}'), /^172\.20\.0\.1$/);
    const version = await eventually(() => t.kubectl(['exec', 'client', '--', 'curl', '-sk', '-m', '2', 'https://kubernetes.default/version']).stdout, 20_000, '/version');
    assert.match(version, /"gitVersion"/);
    // kubectl in the pod, with no kubeconfig: its ServiceAccount token (allowed to read once
    // bound to view) and KUBERNETES_SERVICE_*.
    t.k(['create', 'rolebinding', 'client-view', '-n', 'other', '--clusterrole=view', '--serviceaccount=default:default']);
    const listed = await eventually(() => t.kubectl(['exec', 'client', '--', 'kubectl', 'get', 'svc', '-n', 'other', '-o', 'name']).stdout, 20_000, 'kubectl in a pod');
    assert.match(listed, /^service\/web$/m);
  });

  it('publishes a NodePort and a LoadBalancer on this host', async () => {
    t.k(['expose', 'deployment', 'web', '-n', 'other', '--name', 'web-lb', '--type', 'LoadBalancer', '--port', '8080', '--target-port', '9376']);
    const lb = await eventually(() => t.k('get svc -n other web-lb -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'an address');
    assert.match(await eventually(() => hostCurl(`http://${lb}:8080/`), 10_000, 'the LoadBalancer from this host'), /^web-/);
    const np = t.k('get svc -n other web-lb -o jsonpath={.spec.ports[0].nodePort}');
    assert.match(await eventually(() => hostCurl(`http://127.0.0.1:${np}/`), 10_000, 'the NodePort from this host'), /^web-/);
  });

  it('kill -9 of up leaves no process, namespace or mount; the next up brings the pods back with their addresses', async () => {
    const ip = t.k('get pod client -o jsonpath={.status.podIP}');
    await t.down('SIGKILL');
    await eventually(() => processesOf(t.dataDir).length === 0, 20_000, 'every process of the cluster gone');
    assert.deepEqual(leftovers('tkroot', t.dataDir), []);
    assert.deepEqual(hostMountsOfOurs(), []);
    await t.up();
    await eventually(() => t.kubectl(['get', 'pod', 'client', '-o', 'jsonpath={.status.containerStatuses[0].ready}']).stdout === 'true', 60_000, 'client ready again');
    assert.equal(t.k('get pod client -o jsonpath={.status.podIP}'), ip);
    // The first process inside (its PID namespace's init) killed: the kernel ends the rest.
    const inside = processesOf(t.dataDir).find((p) => readFileSync(`/proc/${p.pid}/status`, 'utf8').match(/^NSpid:\s+\d+\s+1$/m));
    assert.ok(inside, 'the first process inside');
    process.kill(inside.pid, 'SIGKILL');
    await eventually(() => processesOf(t.dataDir).length === 0, 20_000, 'every process of the cluster gone');
  });

  it('its terminal closed (SIGHUP to up, EIO to the inside sharing the terminal): exit 0, no process, namespace or mount left', async () => {
    const [cmd, ...args] = asUser(rootlessUser!, [process.execPath, BIN, 'up', '--data-dir', t.dataDir, '--api-port', '0', ...flags]);
    const terminal = spawn('python3', ['-c', TERMINAL, cmd!, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: t.dataDir } });
    const exited = new Promise<number | null>((r) => terminal.once('exit', (code) => r(code)));
    let out = '';
    terminal.stdout.on('data', (d) => (out += d));
    try {
      await eventually(() => out.includes('tinykube is ready'), 60_000, 'up on a terminal');
      terminal.stdin.end();
      assert.equal(await exited, 0, out);
    } finally {
      // A failed stop: everything under the terminal, by pid.
      for (const pid of [...descendants(terminal.pid!), terminal.pid!].reverse()) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    assert.deepEqual(processesOf(t.dataDir), []);
    assert.deepEqual(leftovers('tkroot', t.dataDir), []);
    assert.deepEqual(hostMountsOfOurs(), []);
  });
});

describe('the rootless network refused or misused', { skip: rootless.skip }, () => {
  before(rootless.check);
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string } => {
    const [cmd, ...args] = asUser(rootlessUser!, argv);
    const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  };
  /** `up` where user namespaces are refused: inside one whose max_user_namespaces is 0. */
  const refused = (upArgs: string): string[] => ['unshare', '--user', '--map-root-user', 'sh', '-c', `echo 0 > /proc/sys/user/max_user_namespaces && exec ${process.execPath} ${BIN} up ${upArgs}`];

  it('--network rootless says why it cannot run and what would enable it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-refused-'));
    try {
      const r = run(refused(`--data-dir ${dir}/data --network rootless`));
      assert.equal(r.code, 1);
      assert.equal(r.out, 'tinykube: --network rootless: user namespaces are disabled (user.max_user_namespaces=0); to enable it: sudo sysctl -w user.max_user_namespaces=15000\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with no network flag, falls back to loopback with one line naming the cause and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-fallback-'));
    spawnSync('chown', [`${rootlessUser!.uid}:${rootlessUser!.gid}`, dir]);
    const [cmd, ...args] = asUser(rootlessUser!, refused(`--data-dir ${dir} --api-port 0 --disable dns,proxy,node`));
    // A loopback cluster: its addresses are machine-wide.
    await acquireMachineLock();
    const up = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    up.stdout.on('data', (d) => (out += d));
    up.stderr.on('data', (d) => (out += d));
    try {
      await eventually(() => out.includes('tinykube is ready'), 30_000, 'the loopback cluster');
      assert.match(out, /^tinykube: no rootless netns network \(user namespaces are disabled \(user\.max_user_namespaces=0\)\): running on the loopback network, where Service names do not resolve inside pods; to enable it: sudo sysctl -w user\.max_user_namespaces=15000$/m);
      assert.match(out, /Network: loopback/);
    } finally {
      const exited = new Promise((r) => up.once('exit', r));
      up.kill('SIGTERM');
      await exited;
      releaseMachineLock();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input fails at once with one line and creates nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-bad-'));
    try {
      for (const [flags, want] of [
        ['--network sideways', 'tinykube: --network: "sideways" is not one of rootless, netns, loopback\n'],
        ['--nodes 0', 'tinykube: --nodes: "0" is not a node count between 1 and 189\n'],
      ] as const) {
        const r = run([process.execPath, BIN, 'up', '--data-dir', `${dir}/data`, ...flags.split(' ')]);
        assert.equal(r.code, 1, flags);
        assert.equal(r.out, want);
        assert.deepEqual(readdirSync(dir), [], `${flags}: nothing created`);
      }
      // The root directory is root's, and the test user is never root.
      const r = run([process.execPath, BIN, 'up', '--data-dir', '/']);
      assert.equal(r.code, 1);
      assert.match(r.out, new RegExp(`^tinykube: --data-dir / belongs to another user \\(uid 0, you are ${rootlessUser!.uid}\\): choose a directory of your own\\n$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
