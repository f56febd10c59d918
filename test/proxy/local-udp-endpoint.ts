// An endpoint on the node itself, for the kernel modes' byte counts: a UDP server answering
// `local` on an address of the namespace's loopback, a ClusterIP state sending to it, and one
// query from the same namespace (OUTPUT, then INPUT from lo, both ways). Test code.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Execer } from '../../src/util/execer.js';
import { stateFromObjects } from '../../src/proxy/state/build-state.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { service, slice } from './objects.js';
import { TRACE_NODE } from './trace-cases.js';

export const LOCAL_ENDPOINT = '10.244.9.9';
export const LOCAL_VIP = '10.96.0.10';
/** One query ('q') and its answer ('local'), as IP packets: 20 (IP) + 8 (UDP) + payload each. */
export const LOCAL_EXCHANGE_BYTES = 28 + 1 + (28 + 'local'.length);

/** The server, on LOCAL_ENDPOINT:5353 in `netns` (lo up, the address and, unless one exists, a route to the
 *  service CIDR added); resolves once it listens. kill() it afterwards. */
export async function localUdpEndpoint(netns: string): Promise<ChildProcess> {
  for (const args of [['link', 'set', 'lo', 'up'], ['addr', 'add', `${LOCAL_ENDPOINT}/32`, 'dev', 'lo'], ['route', 'add', '10.96.0.0/12', 'dev', 'lo']]) {
    const r = spawnSync('ip', ['-n', netns, ...args], { encoding: 'utf8' });
    if (r.status !== 0 && !/File exists/.test(r.stderr)) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  }
  const script = `const u = require('dgram').createSocket('udp4'); u.on('message', (_m, f) => u.send('local', f.port, f.address)); u.bind(5353, '${LOCAL_ENDPOINT}', () => console.log('ready'))`;
  const server = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.stdout!.once('data', () => resolve());
  });
  return server;
}

/** Service `local` (UDP 53 on LOCAL_VIP) → LOCAL_ENDPOINT:5353. */
export const localUdpState = (): ProxyState =>
  stateFromObjects(
    [service('local', { clusterIP: LOCAL_VIP, clusterIPs: [LOCAL_VIP], ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] })],
    [slice('local', [{ ip: LOCAL_ENDPOINT }], [{ name: 'dns', port: 5353, protocol: 'UDP' }])],
    TRACE_NODE,
  );

/** One query to LOCAL_VIP:53 from the namespace `exec` runs in: the answer, or TIMEOUT. */
export async function queryLocal(exec: Execer): Promise<string> {
  const script = `const u = require('dgram').createSocket('udp4'); u.send('q', 53, '${LOCAL_VIP}'); u.on('message', (m) => (console.log(String(m)), u.close())); setTimeout(() => (console.log('TIMEOUT'), u.close()), 2000).unref();`;
  return (await exec.run([process.execPath, '-e', script])).stdout.trim();
}
