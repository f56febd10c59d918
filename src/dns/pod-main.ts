// The built-in image `tinykube/coredns`: the cluster DNS server as a pod, as CoreDNS runs on
// Kubernetes, for networks where the DNS must live where pods can reach it (netns). It reaches
// the API through the address the Deployment gives it (src/dns/cluster-dns.ts) as its
// ServiceAccount, with the projected token the node agent rotates (read again as it changes),
// serves on its pod IPs (both families in dual-stack), and logs to stdout like any container.

import { readFileSync } from 'node:fs';
import pino from 'pino';
import { HttpsClient } from '../client/https.js';
import { startDns } from './index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`tinykube/coredns: ${name} is not set`);
  return v;
};

const log = pino({ base: undefined });
const client = new HttpsClient(
  { server: env('TINYKUBE_SERVER'), ca: readFileSync(env('TINYKUBE_CA_FILE'), 'utf8'), tokenFile: env('TINYKUBE_TOKEN_FILE') },
  'coredns',
);
const podIP = env('POD_IP');
const dns = await startDns({
  client,
  log,
  listenAddress: podIP,
  // status.podIPs through the downward API: comma-separated, as the kubelet gives it.
  extraAddresses: (process.env.POD_IPS ?? '').split(',').filter((ip) => ip && ip !== podIP),
  port: 53,
  metricsPort: 9153,
  clusterDomain: process.env.TINYKUBE_CLUSTER_DOMAIN,
  clusterIPs: env('TINYKUBE_DNS_IPS').split(','),
  upstreams: (process.env.TINYKUBE_DNS_UPSTREAMS ?? '').split(',').filter(Boolean),
  reverseCidrs: (process.env.TINYKUBE_DNS_REVERSE_CIDRS ?? '').split(',').filter(Boolean),
});
const stop = (): void => {
  dns.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
