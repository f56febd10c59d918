// kubectl port-forward against a direct connection, in the same run, on the loopback network:
// throughput (MiB/s echoed through one connection) and connection rate (connect, one byte each
// way, close; 8 at a time), for the WebSocket tunnel (kubectl 1.32's default) and SPDY. Where
// the cost goes: the CPU seconds kubectl and tinykube spend per GiB forwarded, from /proc.
//
//   npx tsx bench/port-forward.ts [--mib 256] [--seconds 3]

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Tinykube } from '../test/e2e/harness.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, seconds: { type: 'string', default: '3' } } });
const MIB = Number(values.mib);
const SECONDS = Number(values.seconds);
const CONCURRENCY = 8;

const ECHO = `require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(9000,process.env.POD_IP)`;
const POD = `
apiVersion: v1
kind: Pod
metadata: {name: echo}
spec:
  containers:
  - name: echo
    image: node-echo
    command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(ECHO)}]
    env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
    ports: [{containerPort: 9000}]
`;

/** CPU seconds (user + system) a process has used. */
function cpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Echoes `mib` MiB through one connection; resolves with the seconds it took. */
function throughput(host: string, port: number, mib: number): Promise<number> {
  const chunk = Buffer.alloc(1 << 20, 7);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    const s = net.connect({ host, port }, () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < mib) {
          sent++;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('end', () => (got === mib << 20 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`echoed ${got} of ${mib << 20} bytes`))));
    s.on('error', reject);
  });
}

function oneConnection(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => s.end('x'));
    s.once('data', () => undefined);
    s.on('end', () => resolve());
    s.on('error', reject);
  });
}

/** Connections per second over `seconds`, CONCURRENCY at a time. */
async function connectionRate(host: string, port: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await oneConnection(host, port);
        done++;
      }
    }),
  );
  return done / seconds;
}

const t = await Tinykube.start();
try {
  t.k(['apply', '-f', t.manifest('echo.yaml', POD)]);
  t.k('wait --for=condition=Ready pod/echo --timeout=60s');
  const podIP = t.k('get pod echo -o jsonpath={.status.podIP}');
  const rows: string[][] = [];
  const direct = { mibs: MIB / (await throughput(podIP, 9000, MIB)), rate: await connectionRate(podIP, 9000, SECONDS) };
  rows.push(['direct to the pod IP', direct.mibs.toFixed(0), '1.00', direct.rate.toFixed(0), '1.00', '-', '-']);
  for (const [name, env] of [
    ['port-forward, WebSocket', {}],
    ['port-forward, SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ] as const) {
    const f = await t.portForward('pod/echo', ['0:9000'], env);
    const local = f.local(9000);
    await throughput('127.0.0.1', local, 8);
    const before = { kubectl: cpu(f.proc.pid!), server: cpu(t.pid!) };
    const mibs = MIB / (await throughput('127.0.0.1', local, MIB));
    // Both directions cross the tunnel: 2 × MIB forwarded.
    const gib = (2 * MIB) / 1024;
    const perGib = (who: 'kubectl' | 'server', pid: number): string => ((cpu(pid) - before[who]) / gib).toFixed(2);
    const kubectlCpu = perGib('kubectl', f.proc.pid!);
    const serverCpu = perGib('server', t.pid!);
    const rate = await connectionRate('127.0.0.1', local, SECONDS);
    rows.push([name, mibs.toFixed(0), (mibs / direct.mibs).toFixed(2), rate.toFixed(0), (rate / direct.rate).toFixed(2), kubectlCpu, serverCpu]);
    f.proc.kill();
  }
  const head = ['path', 'MiB/s', 'ratio', 'conn/s', 'ratio', 'kubectl CPU s/GiB', 'tinykube CPU s/GiB'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`(${MIB} MiB echoed through one connection; connections ${CONCURRENCY} at a time for ${SECONDS} s)`);
} finally {
  await t.destroy();
}
