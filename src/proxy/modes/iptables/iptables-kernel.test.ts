// The golden files and the mode against the real kernel, inside network namespaces of our own
// (never the host's rules): a "node" namespace holding the rules and a "pod" namespace behind a
// veth. Needs root and iptables/iproute2/ipset; fails, not skips, without them.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { NetnsExecer } from '../../../util/execer.js';
import { IptablesMode } from './iptables-mode.js';
import { GOLDEN, goldenPath, nodePort, webState } from '../../../../test/proxy/iptables-golden-states.js';
import { TRACE_NODE, TRACE_POD_CIDR } from '../../../../test/proxy/trace-cases.js';
import { service, slice } from '../../../../test/proxy/objects.js';
import { stateFromObjects } from '../../state/build-state.js';
import { manyServices, withoutService, withService } from '../../../../test/proxy/many-services.js';
import type { ProxyState } from '../../state/types.js';
import { IPV4, IPV6 } from '../../state/family.js';
import { LOCAL_ENDPOINT, LOCAL_EXCHANGE_BYTES, localUdpEndpoint, localUdpState, queryLocal } from '../../../../test/proxy/local-udp-endpoint.js';
import { endpointSetName, parseSetCounters, renderSetSync, stateElements } from './endpoint-set.js';

const NS = `tinykube-test-${randomBytes(4).toString('hex')}`;
const POD_NS = `${NS}-pod`;
const exec = new NetnsExecer(NS);
const POD_IP = '10.244.1.5';

/** `ip` in the namespaces we made; any failure fails the test. */
function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** A TCP server in the pod namespace answering its name; resolves once it listens. */
function podServer(): Promise<ChildProcess> {
  const script = "require('net').createServer((s) => s.end('pod')).listen(8080, () => console.log('ready'))";
  const child = spawn('ip', ['netns', 'exec', POD_NS, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

/** Connects from the node namespace (nat OUTPUT path): the reply, or the error code. */
async function connect(host: string, port: number): Promise<string> {
  const script = `const s = require('net').connect(${port}, '${host}'); let d = ''; s.on('data', (x) => (d += x)); s.on('end', () => console.log(d)); s.on('error', (e) => console.log(e.code)); s.setTimeout(3000, () => (console.log('TIMEOUT'), s.destroy()));`;
  return (await exec.run([process.execPath, '-e', script])).stdout.trim();
}

function requireTools(): void {
  if (process.getuid?.() !== 0) throw new Error('iptables kernel tests need root (they create a network namespace)');
  for (const tool of ['ip', 'iptables-restore', 'iptables-save', 'iptables', 'ip6tables-restore', 'ipset']) {
    const r = spawnSync(tool, ['--version']);
    if (r.error) throw new Error(`${tool} not found (${r.error.message}): apt-get install -y iptables iproute2 ipset`);
  }
}

/** The endpoint set's elements, sorted. */
const setElements = async (): Promise<string[]> => [...parseSetCounters((await exec.run(['ipset', 'save', 'tinykube-endpoints'])).stdout).keys()].sort();

const save = async (table: string): Promise<string> => (await exec.run(['iptables-save', '-t', table])).stdout;

/** Rule order matters within a chain, except in the shared ones where partial syncs insert. */
const UNORDERED = /^-A (KUBE-SERVICES|KUBE-EXTERNAL-SERVICES|KUBE-NODEPORTS) /;

/** Both tables as iptables-save prints them, comments and counters gone, unordered chains sorted. */
async function normalised(): Promise<string[]> {
  const lines = [...(await save('filter')).split('\n'), ...(await save('nat')).split('\n')].filter((l) => l && !l.startsWith('#'));
  const strip = (l: string): string => l.replace(/ \[\d+:\d+\]$/, '');
  const nodePortJumps = lines.filter((l) => l.includes('-j KUBE-NODEPORTS') && l.startsWith('-A KUBE-SERVICES'));
  return [...lines.filter((l) => !UNORDERED.test(l)).map(strip), ...lines.filter((l) => UNORDERED.test(l)).sort(), '# last in nat KUBE-SERVICES', ...nodePortJumps];
}

describe('iptables in a network namespace', () => {
  before(() => {
    requireTools();
    ip('netns', 'add', NS);
    ip('netns', 'add', POD_NS);
    // The veth is born in the node namespace and its peer moved to the pod's: the host never sees it.
    ip('-n', NS, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD_NS);
    ip('-n', NS, 'addr', 'add', '10.244.1.1/24', 'dev', 'veth0');
    ip('-n', NS, 'link', 'set', 'veth0', 'up');
    // REJECT answers a local client through lo.
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', POD_NS, 'addr', 'add', `${POD_IP}/24`, 'dev', 'eth0');
    ip('-n', POD_NS, 'link', 'set', 'eth0', 'up');
    ip('-n', POD_NS, 'route', 'add', 'default', 'via', '10.244.1.1');
    // Service addresses must be routable before DNAT picks the pod.
    ip('-n', NS, 'route', 'add', '10.96.0.0/12', 'dev', 'veth0');
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', POD_NS]);
    spawnSync('ip', ['netns', 'del', NS]);
  });

  for (const g of GOLDEN) {
    const tool = g.name.endsWith('-ip6') ? 'ip6tables' : 'iptables';
    it(`${g.name}: ${tool}-restore --test accepts it, then a real --noflush restore`, async () => {
      const text = fs.readFileSync(goldenPath(g.name), 'utf8');
      // The rules name the family's endpoint set: the mode makes it before restoring them.
      const family = tool === 'ip6tables' ? IPV6 : IPV4;
      await exec.run(['ipset', 'restore', '-exist'], renderSetSync(endpointSetName(family), family, new Set(), new Set()));
      const test = await exec.run([`${tool}-restore`, '--test'], text);
      assert.equal(test.code, 0, test.stderr);
      const real = await exec.run([`${tool}-restore`, '--noflush'], text);
      assert.equal(real.code, 0, real.stderr);
      assert.match((await exec.run([`${tool}-save`, '-t', 'nat'])).stdout, /:KUBE-SERVICES/);
    });
  }

  it('the mode syncs, re-syncs without duplicating jumps, deletes stale chains after a restart, and cleans up on stop', async () => {
    const a = webState({}, ['10.244.1.5', '10.244.2.5']);
    const b = stateFromObjects([service('api', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'] })], [slice('api', [{ ip: '10.244.1.7' }])], { nodeName: 'node-1', nodePortIPs: [] });
    const first = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await first.apply(a);
    await first.apply(a);
    let nat = await save('nat');
    assert.equal(nat.match(/-A PREROUTING .*-j KUBE-SERVICES/g)?.length, 1, nat);
    assert.equal(nat.match(/^:KUBE-SEP-/gm)?.length, 2, nat);

    // A new process knows nothing: its first (full) sync reads the kernel to find a's chains.
    const second = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await second.apply(b);
    nat = await save('nat');
    assert.equal(nat.match(/^:KUBE-SEP-/gm)?.length, 1, nat);
    assert.match(nat, /--to-destination 10\.244\.1\.7:8080/);
    assert.doesNotMatch(nat, /10\.244\.2\.5/);

    assert.deepEqual(await setElements(), ['10.244.1.7,tcp:8080'], 'the endpoint set follows the state too');

    await second.stop();
    assert.doesNotMatch(await save('nat'), /KUBE-/);
    assert.doesNotMatch(await save('filter'), /KUBE-/);
    assert.notEqual((await exec.run(['ipset', 'list', 'tinykube-endpoints'])).code, 0, 'the set is destroyed');
  });

  it('partial syncs next to 100 Services leave the same rules as a full sync, NodePort jumps last', async () => {
    const node = { ...TRACE_NODE, nodePortIPs: ['10.244.1.1'] };
    let state: ProxyState = manyServices(100, (i) => i % 6, node);
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(state);
    const steps: [string, (s: ProxyState) => ProxyState][] = [
      ['add', (s) => withService(s, 100, 3)],
      ['endpoints', (s) => withService(s, 5, 2)],
      ['no endpoints', (s) => withService(s, 6, 0)],
      ['endpoints again', (s) => withService(s, 0, 4)],
      ['delete', (s) => withoutService(s, 7)],
      ['a NodePort with an external IP, Local policy', (s) => ({ ...s, ports: new Map([...s.ports, ...webState({ ...nodePort, externalIPs: ['172.20.0.50'], externalTrafficPolicy: 'Local' }, ['10.244.1.5', '10.244.2.5'], node).ports]) })],
      ['that NodePort without endpoints', (s) => ({ ...s, ports: new Map([...s.ports, ...webState({ ...nodePort, externalIPs: ['172.20.0.50'], externalTrafficPolicy: 'Local' }, [], node).ports]) })],
    ];
    for (const [name, step] of steps) {
      state = step(state);
      await mode.apply(state);
      assert.equal(mode.needsFullSync, false);
      const partial = await normalised();
      const nat = await save('nat');
      const kubeServices = nat.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES'));
      assert.match(kubeServices.at(-1)!, /-j KUBE-NODEPORTS$/, `after ${name}: the NodePort jump is last`);
      assert.deepEqual(await setElements(), [...stateElements(state)].sort(), `after ${name}: the endpoint set`);
      await new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR }).apply(state);
      assert.deepEqual(partial, await normalised(), `after ${name}`);
    }
    await mode.stop();
  });

  it('a UDP query to an endpoint on the node itself (over lo, OUTPUT then INPUT) counts each of its two packets once', async () => {
    const server = await localUdpEndpoint(NS);
    try {
      const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
      await mode.apply(localUdpState());
      assert.equal(await queryLocal(exec), 'local');
      // Counted in OUTPUT, not again in INPUT from lo.
      assert.equal((await mode.traffic()).find((t) => t.endpoint === `${LOCAL_ENDPOINT}:5353`)?.bytes, LOCAL_EXCHANGE_BYTES);
      await mode.stop();
    } finally {
      server.kill();
    }
  });

  it('a packet to the ClusterIP reaches the pod; without endpoints the connection is refused', async () => {
    const server = await podServer();
    try {
      const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
      await mode.apply(webState({}, [POD_IP]));
      assert.equal(await connect('10.96.0.20', 80), 'pod');
      const bytes = async (): Promise<number | undefined> => (await mode.traffic()).find((t) => t.endpoint === `${POD_IP}:8080`)?.bytes;
      const counted = await bytes();
      // Both ways, once each: the handshake, 'pod', the FINs and ACKs (~10 packets of 52–60 bytes).
      assert.ok(counted! > 400 && counted! < 1000, `bytes counted: ${counted}`);
      // Another endpoint added: an element added, this one's count kept.
      await mode.apply(webState({}, [POD_IP, '10.244.1.9']));
      assert.equal(await bytes(), counted);
      await mode.apply(webState({}, []));
      assert.equal(await connect('10.96.0.20', 80), 'ECONNREFUSED');
      await mode.stop();
    } finally {
      server.kill();
    }
  });
});
