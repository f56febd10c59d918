// Servers on this host's loopback for end-to-end tests whose own process blocks on kubectl
// (spawnSync): a fake DNS upstream and an HTTP server, in a child process so they answer while
// the test waits. Run as a script, it starts them and prints their ports; it ends with its stdin.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { startFakeUpstream } from './fake-upstream.js';

export interface HostServers {
  dnsPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

/** `records`: the upstream's A records; the HTTP server answers `body` to every request. */
export async function startHostServers(records: Record<string, string[]>, body: string): Promise<HostServers> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, JSON.stringify({ records, body })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<{ dnsPort: number; httpPort: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out));
    });
    child.once('exit', (code) => reject(new Error(`host servers exited (${code})`)));
  });
  return {
    ...ports,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { records, body } = JSON.parse(process.argv[2]!) as { records: Record<string, string[]>; body: string };
  const upstream = await startFakeUpstream('127.0.0.1', records);
  const server = http.createServer((_, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ dnsPort: upstream.port, httpPort: (server.address() as { port: number }).port }) + '\n');
  process.stdin.resume();
  process.stdin.once('end', () => process.exit(0));
}
