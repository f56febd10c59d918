// Faults between a client and the API: a real `tinykube server` behind a fault-injecting proxy
// (test/support/fault-proxy.ts), reached with the HttpsClient agents use; and the certificate
// an agent gets for its kubelet port when it joins.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { HttpsClient, endpointFromKubeconfig, type Endpoint } from '../../src/client/https.js';
import { Informer } from '../../src/client/informer.js';
import { R } from '../../src/client/client.js';
import { StatusError } from '../../src/util/status-errors.js';
import { createKubeletCsr, ensureTls, readCa, writeCa } from '../../src/api/tls.js';
import { KUBELET_CERTIFICATE_PATH } from '../../src/api/http/kubelet-certificates.js';
import { kill, startServer, type Server } from '../support/processes.js';
import { eventually } from '../support/eventually.js';
import { FaultProxy } from '../support/fault-proxy.js';

const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const NS = 'default';

describe('faults between clients and the API', () => {
  let root: string;
  let server: Server;
  let ep: Endpoint;
  let direct: HttpsClient;
  const proxies: FaultProxy[] = [];
  const clients: HttpsClient[] = [];
  const informers: Informer[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tinykube-faults-'));
    server = await startServer(join(root, 's'), []);
    ep = endpointFromKubeconfig(server.kubeconfig);
    direct = new HttpsClient(ep, 'faults-test');
  });
  after(async () => {
    for (const i of informers) i.stop();
    for (const c of [direct, ...clients]) c?.close();
    for (const p of proxies) await p.close();
    await kill(server?.proc);
    rmSync(root, { recursive: true, force: true });
  });

  async function proxy(tls = false): Promise<FaultProxy> {
    // A terminating load balancer serves a certificate from the cluster's CA.
    const dir = join(root, `lb-${proxies.length}`);
    if (tls) writeCa(dir, readCa(server.dir)!);
    const lb = tls ? await ensureTls(dir, { ips: ['127.0.0.1'], dnsNames: [] }) : undefined;
    const p = await FaultProxy.start({ host: '127.0.0.1', port: server.port }, { tls: lb });
    proxies.push(p);
    return p;
  }

  function client(servers: string[]): HttpsClient {
    const c = new HttpsClient({ ...ep, server: servers.join(',') }, 'faults-test');
    clients.push(c);
    return c;
  }

  async function leasesNamed(prefix: string): Promise<string[]> {
    const list = await direct.list(LEASES, NS);
    return list.items.map((o) => o.metadata.name!).filter((n) => n.startsWith(prefix));
  }

  it('a create whose answer is lost is not sent again to the next server; a read is', { timeout: 30_000 }, async () => {
    const p = await proxy(true);
    p.set('reset-reply');
    const c = client([p.url, server.url]);
    // Before: the client sent the POST again to the second server, and two objects existed.
    await assert.rejects(
      c.create(LEASES, NS, { metadata: { generateName: 'once-' } }),
      (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET',
    );
    assert.equal((await leasesNamed('once-')).length, 1, 'the create landed exactly once');
    // A read moves on to the next server and succeeds there.
    const ns = await client([p.url, server.url]).get(R.namespaces, undefined, NS);
    assert.equal(ns.metadata.name, NS);
    // Refused before anything was sent: a write may go to the next server.
    const refused = client(['https://127.0.0.1:1', server.url]);
    await refused.create(LEASES, NS, { metadata: { generateName: 'refused-' } });
    assert.equal((await leasesNamed('refused-')).length, 1);
  });

  it('a watch whose connection goes half-open is replaced after its timeout', { timeout: 30_000 }, async () => {
    const p = await proxy();
    const seen: string[] = [];
    const inf = new Informer(client([p.url]), LEASES, { namespace: NS, minWatchTimeoutSeconds: 1 }).on({ add: (o) => seen.push(o.metadata.name!) });
    informers.push(inf);
    await inf.start();
    await direct.create(LEASES, NS, { metadata: { name: 'before-partition' } });
    await eventually(() => seen.includes('before-partition'), 5_000, 'the watch to be live');
    // A partition: the open connection passes nothing and stays open; new connections work.
    p.set('stall');
    p.set('pass');
    await direct.create(LEASES, NS, { metadata: { name: 'after-partition' } });
    // Before: the informer waited on the dead connection forever.
    await eventually(() => seen.includes('after-partition'), 15_000, 'the informer to see the change made during the partition');
  });

  it('a load balancer\'s HTML error page is a StatusError, for requests and watches alike', { timeout: 30_000 }, async () => {
    const p = await proxy(true);
    const c = client([p.url]);
    const seen: string[] = [];
    const inf = new Informer(c, LEASES, { namespace: NS, minBackoffMs: 50, maxBackoffMs: 200 }).on({ add: (o) => seen.push(o.metadata.name!) });
    informers.push(inf);
    await inf.start();
    // The load balancer loses its backends: open streams are cut, every new request gets the page.
    p.set('html');
    p.cut();
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(c.get(R.namespaces, undefined, NS), (e: unknown) => e instanceof StatusError && e.code === 502 && /502 Bad Gateway/.test(e.message));
    // Before: the informer's re-watch parsed the page inside a socket callback and the
    // exception ended the process (here: this test run).
    await new Promise((r) => setTimeout(r, 300));
    p.set('pass');
    await direct.create(LEASES, NS, { metadata: { name: 'after-html' } });
    await eventually(() => seen.includes('after-html'), 10_000, 'the informer to recover once the backends are back');
  });

  it('a watch stream that carries a line which is not JSON ends, and the informer resumes', { timeout: 30_000 }, async () => {
    const p = await proxy(true);
    const seen: string[] = [];
    const inf = new Informer(client([p.url]), LEASES, { namespace: NS }).on({ add: (o) => seen.push(o.metadata.name!) });
    informers.push(inf);
    await inf.start();
    await direct.create(LEASES, NS, { metadata: { name: 'before-corruption' } });
    await eventually(() => seen.includes('before-corruption'), 5_000, 'the watch to be live');
    p.set('corrupt');
    // Its event reaches the informer as an HTML line. Before: JSON.parse threw inside the
    // socket's data callback and the exception ended the process (here: this test run).
    await direct.create(LEASES, NS, { metadata: { name: 'corrupted' } });
    await eventually(() => seen.includes('corrupted'), 10_000, 'the informer to resume and get the event again');
  });

  it('the server closes a watch whose client reads nothing, and frees what it held', { timeout: 30_000 }, async () => {
    // A raw watcher that never reads; the server must not hold its events without limit.
    const s = connect({ host: '127.0.0.1', port: server.port, ca: ep.ca });
    await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
    s.write(`GET /apis/coordination.k8s.io/v1/namespaces/${NS}/leases?watch=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ep.token}\r\n\r\n`);
    s.pause();
    let closed = false;
    s.on('close', () => (closed = true));
    s.on('error', () => undefined);
    const annotations = { blob: 'x'.repeat(64 * 1024) };
    try {
      // Up to 12 MiB of events for it: beyond its 1 MiB bound plus what the kernel buffers.
      for (let i = 0; i < 200 && !closed; i++) await direct.create(LEASES, NS, { metadata: { generateName: 'slow-', annotations } });
      s.resume();
      s.on('data', () => undefined);
      // Before: the server kept all of it queued and the watch open.
      await eventually(() => closed, 10_000, 'the server to close the slow watch');
      assert.match(server.proc.output, /closed a watch whose client reads too slowly/);
    } finally {
      s.destroy();
      for (const n of await leasesNamed('slow-')) await direct.delete(LEASES, NS, n);
    }
  });

  it('a joining agent gets a kubelet serving certificate for its own name only, with the node token only', async () => {
    const nodeToken = readFileSync(join(server.dir, 'node-token'), 'utf8').trim();
    const agent = new HttpsClient({ ...ep, token: nodeToken }, 'faults-test');
    clients.push(agent);
    const { csr } = await createKubeletCsr('n1', { ips: ['127.0.0.1'], dnsNames: ['n1'] });
    const { certificate } = await agent.post<{ certificate: string }>(KUBELET_CERTIFICATE_PATH, { nodeName: 'n1', csr });
    const cert = new X509Certificate(certificate);
    assert.equal(cert.subject, 'CN=system:node:n1\nO=system:nodes');
    assert.ok(cert.verify(new X509Certificate(ep.ca).publicKey), 'signed by the cluster CA');
    assert.ok(cert.checkIP('127.0.0.1'));
    const refused = async (token: string, body: unknown, code: number, message: RegExp): Promise<void> => {
      const c = new HttpsClient({ ...ep, token }, 'faults-test');
      clients.push(c);
      await assert.rejects(c.post(KUBELET_CERTIFICATE_PATH, body), (e: unknown) => e instanceof StatusError && e.code === code && message.test(e.message));
    };
    await refused('wrong', { nodeName: 'n1', csr }, 401, /Unauthorized/);
    await refused(nodeToken, { nodeName: 'n2', csr }, 400, /^csr: the request's subject is not system:node:n2$/);
    await refused(nodeToken, { nodeName: 'n1', csr: 'garbage' }, 400, /^csr: not a PEM certificate request$/);
  });
});
