// A connection into a network namespace, as port-forward and the API server's reads of a netns
// node's kubelet port make it (src/node/portforward/dial.ts): a socket the process's python3
// netns socket helper connects inside and hands over, against the peer measured in the same
// run, the relay it replaced (`ip netns exec NS busybox nc -w 10 IP PORT`, a process per
// connection). HTTP GETs through each, `--parallel` at a time: small answers (what a connection
// costs) and large ones (whether every byte arrives: answers cut short are counted).
//
//   npx tsx bench/netns-dial.ts [--requests 300] [--parallel 8] [--big-mib 4] [--rounds 2]
//
// Needs root, iproute2, busybox and python3. The namespace it makes is removed at the end, even
// on failure. Noisy on a shared machine: compare the ratios of one round.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { NETNS_RUN } from '../src/network/netns/names.js';
import { NetnsSockets } from '../src/network/netns/netns-sockets.js';
import { dialPod } from '../src/node/portforward/dial.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, parallel: { type: 'string', default: '8' }, 'big-mib': { type: 'string', default: '4' }, rounds: { type: 'string', default: '2' } } });
const REQUESTS = Number(values.requests);
const PARALLEL = Number(values.parallel);
const BIG = randomBytes(Number(values['big-mib']) << 20);
const NS = `tkbd-${randomBytes(2).toString('hex')}`;

type Dial = (port: number) => Promise<Duplex>;

/** The peer: the relay dial.ts used before, one busybox nc inside the namespace per connection. */
const ncDial: Dial = async (port) => {
  const child = spawn('ip', ['netns', 'exec', NS, 'busybox', 'nc', '-w', '10', '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = Duplex.from({ readable: child.stdout, writable: child.stdin });
  child.stdin.on('error', () => {});
  conn.on('close', () => child.exitCode === null && child.kill());
  return conn;
};

const helperDial: Dial = (port) => dialPod({ podName: 'bench', podUID: '', podIP: '127.0.0.1', netns: NS }, port);

/** One GET through a fresh connection: the bytes of the body, or -1 if it was cut short. */
async function get(dial: Dial, port: number, path: string): Promise<number> {
  const conn = await dial(port);
  return new Promise((resolve) => {
    const req = http.get({ path, createConnection: () => conn as net.Socket, headers: { connection: 'close' } }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(res.complete ? n : -1));
      res.on('error', () => resolve(-1));
    });
    req.on('error', () => resolve(-1));
  });
}

async function run(dial: Dial, port: number, path: string, want: number): Promise<{ perSec: number; p50: number; p99: number; cut: number }> {
  const times: number[] = [];
  let cut = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let i = next++; i < REQUESTS; i = next++) {
        const s = performance.now();
        if ((await get(dial, port, path)) !== want) cut++;
        times.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return { perSec: REQUESTS / secs, p50: times[Math.floor(times.length / 2)]!, p99: times[Math.floor(times.length * 0.99)]!, cut };
}

execFileSync('ip', ['netns', 'add', NS]);
const sockets = new NetnsSockets();
let server: http.Server | undefined;
try {
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // The server inside the namespace (its listener bound there), served by this process.
  server = http.createServer((req, res) => res.end(req.url === '/big' ? BIG : 'ok\n'));
  const listener = await sockets.listen(`${NETNS_RUN}/${NS}`, '127.0.0.1', 0);
  await new Promise<void>((resolve) => server!.listen(listener, resolve));
  const port = (server.address() as net.AddressInfo).port;
  console.log(`netns dial: ${REQUESTS} GETs, ${PARALLEL} at a time, a new connection each; big answers ${values['big-mib']} MiB (noisy on a shared machine)`);
  const fmt = (r: Awaited<ReturnType<typeof run>>): string => `${r.perSec.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  cut short ${r.cut}/${REQUESTS}`;
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [what, path, want] of [['small', '/small', 3], ['big', '/big', BIG.length]] as const) {
      const nc = await run(ncDial, port, path, want);
      const helper = await run(helperDial, port, path, want);
      console.log(`round ${round} ${what.padEnd(5)}  nc relay: ${fmt(nc)}`);
      console.log(`round ${round} ${what.padEnd(5)}  helper:   ${fmt(helper)}  → ${(helper.perSec / nc.perSec).toFixed(1)}× the relay's rate`);
    }
  }
} finally {
  server?.close();
  await sockets.close();
  execFileSync('ip', ['netns', 'del', NS]);
}
