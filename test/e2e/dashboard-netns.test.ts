// The live page's traffic on the kernel-mode networks, in a real browser: `tinykube up --network
// netns --nodes 2 --proxy-mode nftables` (root), and `tinykube up --network rootless --nodes 2
// --proxy-mode iptables` started by the unprivileged test user. curl from the outside client's
// namespace to a NodePort of one node, and the page shows that Service's per-endpoint connection
// and byte rates, counted by that node's kernel rules (nftables named counters; iptables rule
// counters) and read through its kubelet port inside its namespace. Screenshots go to
// test-artifacts/dashboard-netns/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { endpointFromKubeconfig } from '../../src/client/https.js';
import type { TrafficReport } from '../../src/proxy/traffic.js';
import { BIN, EXAMPLES, Tinykube, eventually, rows } from './harness.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';
import { requirement, requiresNetns } from '../support/requires.js';
import { asUser, requiresRootless, rootlessUser } from '../support/rootless.js';
import { leftovers } from './netns-suite.js';

const ARTIFACTS = join(new URL('../..', import.meta.url).pathname, 'test-artifacts', 'dashboard-netns');
const needsChromium = requirement(existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`);

const VARIANTS = [
  { network: 'netns', mode: 'nftables', needs: requiresNetns() },
  { network: 'rootless', mode: 'iptables', needs: requiresRootless() },
] as const;

for (const { network, mode, needs } of VARIANTS) {
  describe(`the live page on the ${network} network: ${mode} rule counters per endpoint`, { skip: needs.skip || needsChromium.skip, timeout: 300_000 }, () => {
    const prefix = `tkd${network[0]}${process.pid % 10000}`;
    const rootless = network === 'rootless';
    const artifacts = join(ARTIFACTS, network);
    let t: Tinykube;
    let browser: Browser;
    let page: Page;
    const errors: string[] = [];
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

    /** curl to `url` from the outside client, over and over until `stop()` (a file the loop looks
     *  for: rootless, `tinykube shell` does not pass a signal on to the command it runs). */
    function sendUntilStopped(url: string): { stop(): Promise<void> } {
      const stopFile = join(t.dataDir, `stop-sending-${process.pid}`);
      const loop = `n=0; while [ ! -e ${stopFile} ] && [ $n -lt 600 ]; do curl -s -m 2 -o /dev/null ${url}; n=$((n+1)); done`;
      const argv = rootless ? asUser(rootlessUser!, [process.execPath, BIN, 'shell', '--data-dir', t.dataDir, '--client', '--', 'sh', '-c', loop]) : ['ip', 'netns', 'exec', `${prefix}-client`, 'sh', '-c', loop];
      const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: rootless ? { ...process.env, HOME: t.dataDir } : process.env });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return {
        async stop() {
          writeFileSync(stopFile, '');
          // The loop ends after its current curl (2 s at most); should the file not be seen, the
          // process we started is ended by its pid.
          const timer = setTimeout(() => child.kill(), 10_000);
          await exited;
          clearTimeout(timer);
        },
      };
    }

    before(async () => {
      needs.check();
      needsChromium.check();
      rmSync(artifacts, { recursive: true, force: true });
      mkdirSync(artifacts, { recursive: true });
      const flags = ['--network', network, '--netns-prefix', prefix, '--nodes', '2', '--proxy-mode', mode];
      t = await Tinykube.start(flags, undefined, rootless ? { user: rootlessUser } : {});
      t.k(['apply', '-f', join(EXAMPLES, 'webapp.yaml')]);
      t.k('expose deployment webapp --name webapp-np --type NodePort --port 8080 --target-port http');
      await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --timeout=2s').code === 0, 90_000, 'webapp pods Ready');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 } })).newPage();
      page.on('pageerror', (e) => errors.push(e.message));
    });
    after(async () => {
      await browser?.close();
      const dataDir = t?.dataDir;
      await t?.destroy();
      if (dataDir) assert.deepEqual(leftovers(prefix, dataDir), [], 'nothing left behind after stop');
      assert.deepEqual(errors, [], 'errors in the page');
    });

    it(`traffic to one node's NodePort moves the endpoints' conn/s and B/s, counted by that node's ${mode} rules`, async () => {
      const { server, token } = endpointFromKubeconfig(t.kubeconfig);
      const nodes = rows(t.k('get nodes -o wide')).map((r) => ({ name: r[0]!, ip: r[5]! }));
      assert.equal(nodes.length, 2);
      await page.goto(`${server}/ui/#token=${encodeURIComponent(token)}`);
      await page.locator('#svc-webapp-np .box.pod.ready').nth(2).waitFor();
      // Every node's proxy is read (through its kubelet port, inside its namespace).
      const proxies = nodes.map((n) => `${n.name}: ${mode}`).sort().join(', ');
      await page.locator('#status', { hasText: `proxies ${proxies}` }).waitFor({ timeout: 15_000 });

      const [entry] = nodes;
      const nodePort = t.k('get svc webapp-np -o jsonpath={.spec.ports[0].nodePort}');
      const sender = sendUntilStopped(`http://${entry!.ip}:${nodePort}/hostname.html`);
      try {
        // Both rates above zero on one label: connections and the IP packets' bytes.
        const moving = new RegExp(`(?:[1-9][\\d.]*|0\\.[1-9]) conn/s · (?:[1-9]\\d* B|[\\d.]+ KiB)/s · by ${entry!.name} \\(${mode}\\)$`);
        await page.locator('#svc-webapp-np .edge-label', { hasText: moving }).first().waitFor({ timeout: 30_000 });
        await shot('01-nodeport-traffic');
        // The same counters as kubectl reads them: connections and bytes, nothing open.
        const report = JSON.parse(t.k(`get --raw /api/v1/nodes/${entry!.name}/proxy/traffic`)) as TrafficReport;
        assert.equal(report.mode, mode);
        const mine = report.endpoints.filter((e) => e.name === 'webapp-np');
        assert.ok(mine.some((e) => e.connections > 0 && e.bytes! > 0), JSON.stringify(mine));
        assert.ok(mine.every((e) => e.bytesIn === undefined && e.open === undefined), 'kernel counters: no payload split, nothing open');
      } finally {
        await sender.stop();
      }
      // Without traffic the rates fall back to zero.
      await page.locator('#svc-webapp-np .edge-label', { hasText: `0.0 conn/s · 0 B/s · by ${entry!.name} (${mode})` }).first().waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('#svc-webapp-np .edge-label', { hasText: new RegExp(`by .*\\(${mode}\\)`) }).filter({ hasNotText: entry!.name }).count(), 0, 'only the entry node counted');
    });
  });
}
