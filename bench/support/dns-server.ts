// A cluster DNS server in a process of its own, so a benchmark can measure it from outside
// (bench/dns-instructions.ts runs it under callgrind): an in-process API holding SERVICES
// dual-stack Services svc-N in namespace `bench`, and the DNS on ADDRESS with one worker. Prints its port
// once synced; stops on SIGTERM.
//
//   SERVICES=1000 ADDRESS=127.53.4.1 node --import tsx bench/support/dns-server.ts

import pino from 'pino';
import { R } from '../../src/client/client.js';
import { startDns } from '../../src/dns/index.js';
import { startTestApi } from '../../test/support/api.js';
import { serviceIP, serviceIP6 } from './dns-names.js';
import { storeClusterIPService } from '../../test/support/stored-service.js';

const services = Number(process.env.SERVICES ?? 1000);
const api = await startTestApi({ serviceCIDR: '127.96.0.0/16' });
const client = api.client();
for (const name of ['bench', 'client']) await client.create(R.namespaces, undefined, { metadata: { name } });
for (let i = 0; i < services; i++) {
  await storeClusterIPService(api, 'bench', `svc-${i}`, [serviceIP(i), serviceIP6(i)], [{ name: '', protocol: 'TCP', port: 80 }]);
}
const dns = await startDns({ client, log: pino({ level: 'silent' }), listenAddress: process.env.ADDRESS ?? '127.53.4.1', port: 0, metricsPort: 0, upstreams: [] });
console.log(dns.port);
process.once('SIGTERM', () => void dns.stop().then(() => api.close()).then(() => process.exit(0)));
