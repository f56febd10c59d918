// `tinykube dashboard [--kubeconfig PATH] [--open]`: the live page's URL, carrying the
// kubeconfig's token in its fragment (which the browser keeps to itself; the page moves it to
// its session storage and drops it from the address bar).

import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { endpointFromKubeconfig } from '../client/https.js';

export function dashboardUrl(server: string, token: string): string {
  return `${server.replace(/\/+$/, '')}/ui/#token=${encodeURIComponent(token)}`;
}

export function dashboardCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { kubeconfig: { type: 'string' }, open: { type: 'boolean', default: false } } });
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.tinykube', 'kubeconfig');
  const { server, token } = endpointFromKubeconfig(kubeconfig);
  if (!server.startsWith('https://')) throw new Error(`the kubeconfig's server ${server} is not an https:// URL a browser can open`);
  const url = dashboardUrl(server, token);
  process.stdout.write(`${url}\n(the API server's certificate is signed by tinykube's own CA, the kubeconfig's certificate-authority-data: trust it, or accept it once in the browser)\n`);
  if (values.open) spawn('xdg-open', [url], { stdio: 'ignore', detached: true }).on('error', (e) => process.stderr.write(`could not open a browser: ${e.message}\n`)).unref();
  return 0;
}
