// Built-in-image containers in their node's one image host, through kubectl, on loopback, on
// the netns network (root) and on the rootless one (an unprivileged user): each keeps its own
// log, env, probes, exit code and restarts, exec
// into it works, deletion stops only it, and a kill -9 of the shared host restarts every
// container it held (visible as restarts) with nothing stored lost.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Tinykube, eventually } from './harness.js';
import { netns } from './netns-suite.js';
import { requiresRootless, rootlessUser } from '../support/rootless.js';
import { requirement, type Requirement } from '../support/requires.js';

type Network = 'loopback' | 'netns' | 'rootless';

/** Both pods on one node (netns runs more than one). */
const pods = (node: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: {name: greeting}
data: {GREETING: hello-from-configmap}
---
apiVersion: v1
kind: Pod
metadata: {name: netexec, labels: {app: hosted}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: [netexec, --http-port=8080, --udp-port=-1]
    ports: [{containerPort: 8080}]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: greeting, key: GREETING}}}
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
    livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: hosted}}
spec:
  nodeName: ${node}
  containers:
  - name: nginx
    image: nginx
    ports: [{containerPort: 80}]
    readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}
`;

/** What the pod's main container reports: ready, restarts, the last exit code. */
function state(t: Tinykube, pod: string): { ready: boolean; restarts: number; lastExit?: number; phase: string } {
  const p = JSON.parse(t.k(['get', 'pod', pod, '-o', 'json']));
  const cs = p.status.containerStatuses?.[0] ?? {};
  return { ready: cs.ready === true, restarts: cs.restartCount ?? 0, lastExit: cs.lastState?.terminated?.exitCode, phase: p.status.phase };
}

/** The pid file of a container's main process under the cluster's data dir (per node on netns). */
function mainPid(t: Tinykube, pod: string, container: string): number {
  const uid = JSON.parse(t.k(['get', 'pod', pod, '-o', 'json'])).metadata.uid as string;
  const file = execFileSync('find', [t.dataDir, '-path', `*default_${pod}_${uid}/${container}/main.pid`], { encoding: 'utf8' }).trim().split('\n')[0]!;
  return Number(readFileSync(file, 'utf8').split(' ')[0]);
}

/** The image host's pid as this host sees it: the rootless network runs in a PID namespace of
 *  its own, where main.pid was written (NSpid's last field). */
function hostSidePid(network: Network, pid: number): number {
  if (network !== 'rootless') return pid;
  const found = readdirSync('/proc').filter((p) => {
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]?.split(/\s+/) ?? [];
      return nspid.length > 1 && nspid.at(-1) === String(pid) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('image-host');
    } catch {
      return false;
    }
  });
  assert.equal(found.length, 1, `one image host with pid ${pid} in its namespace`);
  return Number(found[0]);
}

/** The live processes holding hosted containers' volumes at their mountPaths (netns, rootless),
 *  by their pids on this host: the first exec into a container starts its holder
 *  (mount-holder.ts), a `sleep infinity` once its mounts are made, which ends with the container.
 *  The pid files hold pids as the agent sees them (rootless: in its PID namespace). */
function mountHolders(t: Tinykube, network: Network): number[] {
  const files = execFileSync('find', [t.dataDir, '-name', 'mount-ns.pid'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  const inFiles = new Set(files.map((f) => readFileSync(f, 'utf8').split(' ')[0]));
  return readdirSync('/proc').filter((p) => {
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]?.split(/\s+/) ?? [];
      const ownNs = network === 'rootless' ? nspid.length > 1 : nspid.length === 1;
      return ownNs && inFiles.has(nspid.at(-1)!) && readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\0infinity\0';
    } catch {
      return false;
    }
  }).map(Number);
}

const running = (pid: number): boolean => existsSync(`/proc/${pid}`);

/** `wget` from inside the pod (kubectl exec: the host's tools, in the pod's network). */
const fromPod = (t: Tinykube, path: string): string => t.k(['exec', 'netexec', '--', 'sh', '-c', `wget -qO- "http://$POD_IP:8080${path}"`]);

const FLAGS: Record<Network, string[]> = {
  loopback: [],
  netns: ['--network', 'netns', '--netns-prefix', 'tkih', '--nodes', '1'],
  rootless: ['--network', 'rootless', '--netns-prefix', 'tkir', '--nodes', '1'],
};

/** What each network needs: outside CI a suite that cannot run skips; under CI it fails. */
const needs = (network: Network): Requirement => (network === 'netns' ? netns : network === 'rootless' ? requiresRootless() : requirement(undefined));

function imageHostSuite(network: Network): void {
  const need = needs(network);
  describe(`built-in containers in the node's image host (${network})`, { timeout: 180_000, skip: need.skip }, () => {
    let t: Tinykube;
    let holders: number[] = [];
    before(async () => {
      need.check();
      t = await Tinykube.start(FLAGS[network], undefined, network === 'rootless' ? { user: rootlessUser } : {});
      const node = await eventually(() => t.k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']), 60_000, 'a node');
      // The ServiceAccount token is mounted only once the default ServiceAccount exists.
      await eventually(() => t.kubectl(['get', 'sa', 'default']).code === 0, 20_000, 'the default ServiceAccount');
      t.k(['apply', '-f', t.manifest('pods.yaml', pods(node))]);
      await eventually(() => state(t, 'netexec').ready && state(t, 'web').ready, 60_000, 'both pods Ready');
    });
    after(async () => {
      await t?.destroy();
    });

    it('runs both pods in one process, each answering on its own IP with its own log and env', () => {
      assert.deepEqual(mountHolders(t, network), [], 'no exec yet: no process holds their volumes');
      assert.equal(mainPid(t, 'netexec', 'main'), mainPid(t, 'web', 'nginx'), 'one host process');
      const logs = execFileSync('find', [t.dataDir, '-name', '*.log', '-path', '*logs*'], { encoding: 'utf8' }).trim().split('\n');
      assert.ok(logs.some((f) => readFileSync(f, 'utf8').includes('built-in image host started')), `the agent logs the host's start (${logs.join(', ')})`);
      const shell = JSON.parse(fromPod(t, `/shell?cmd=${encodeURIComponent('echo $GREETING $POD_NAME; ip -o -4 addr')}`)) as { output: string };
      const podIP = t.k(['get', 'pod', 'netexec', '-o', 'jsonpath={.status.podIP}']);
      assert.match(shell.output, /^hello-from-configmap netexec\n/, "/shell has the container's env");
      // On loopback every pod IP is on the host's lo (127.0.0.0/8).
      if (network !== 'loopback') assert.ok(shell.output.includes(` ${podIP}/`), `/shell runs in the pod's network: ${shell.output}`);
      const containerLog = t.k(['logs', 'netexec']);
      assert.match(containerLog, /"GET \/shell\?cmd=.* HTTP\/1.1" 200/);
      assert.match(containerLog, /"GET \/healthz HTTP\/1.1" 200 .*kube-probe/, 'the probes reach it');
      assert.doesNotMatch(t.k(['logs', 'web']), /\/shell/, "the other pod's log has none of it");
      // exec runs in the container's directory with its env; on netns its volumes are at their
      // mountPaths (held by a process of the container's own).
      assert.equal(t.k(['exec', 'web', '--', 'sh', '-c', 'echo $HOSTNAME; basename $(pwd)']).trim(), 'web\nroot');
      if (network !== 'loopback') assert.equal(t.k(['exec', 'web', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace']), 'default');
      t.k(['exec', 'web', '--', 'true']);
      holders = mountHolders(t, network);
      assert.equal(holders.length, network === 'loopback' ? 0 : 2, 'one holder per container exec went into, kept for the next exec');
    });

    it('netexec /exit ends only that container, with its code, and it is restarted', async () => {
      const before = state(t, 'netexec').restarts;
      t.kubectl(['exec', 'netexec', '--', 'sh', '-c', 'wget -qO- "http://$POD_IP:8080/exit?code=3"']);
      const s = await eventually(() => {
        const now = state(t, 'netexec');
        return now.restarts === before + 1 && now.ready ? now : undefined;
      }, 30_000, 'netexec restarted and Ready');
      assert.equal(s.lastExit, 3);
      assert.equal(state(t, 'web').restarts, 0, 'the other container did not notice');
    });

    it('a kill -9 of the image host restarts every container it held; nothing stored is lost', async () => {
      const pid = mainPid(t, 'web', 'nginx');
      const restarts = { netexec: state(t, 'netexec').restarts, web: state(t, 'web').restarts };
      process.kill(hostSidePid(network, pid), 'SIGKILL');
      await eventually(() => {
        const [a, b] = [state(t, 'netexec'), state(t, 'web')];
        return a.restarts === restarts.netexec + 1 && b.restarts === restarts.web + 1 && a.ready && b.ready;
      }, 60_000, 'both containers restarted and Ready');
      assert.equal(state(t, 'web').lastExit, 137);
      assert.notEqual(mainPid(t, 'web', 'nginx'), pid, 'a new host');
      await eventually(() => !holders.some(running), 10_000, 'the holders ended with their containers');
      assert.equal(t.k(['get', 'configmap', 'greeting', '-o', 'jsonpath={.data.GREETING}']), 'hello-from-configmap');
      assert.match(fromPod(t, '/hostname'), /^netexec$/);
    });

    it('deleting a pod stops only its container, gracefully', async () => {
      const started = Date.now();
      t.k(['delete', 'pod', 'web']);
      assert.ok(Date.now() - started >= 900, 'SIGTERM lingers before the listeners close');
      assert.equal(state(t, 'netexec').ready, true);
      assert.match(fromPod(t, '/hostname'), /^netexec$/);
      t.k(['exec', 'netexec', '--', 'true']);
      assert.equal(mountHolders(t, network).length, network === 'loopback' ? 0 : 1, "web's holder ended with it; netexec's stays");
    });
  });
}

imageHostSuite('loopback');
imageHostSuite('netns');
imageHostSuite('rootless');
