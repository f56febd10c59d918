// The live page's traffic on the netns network (root), in a real browser: `tinykube up
// --network netns --nodes 2 --proxy-mode nftables`, curl from the outside client namespace to a
// NodePort of one node, and the page shows that Service's per-endpoint connection rates,
// counted by that node's kernel rules (nftables named counters) and read through its kubelet
// port inside its namespace. Screenshots go to test-artifacts/dashboard-netns/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { endpointFromKubeconfig } from '../../src/client/https.js';
import type { TrafficReport } from '../../src/proxy/traffic.js';
import { EXAMPLES, Tinykube, eventually, rows } from './harness.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';
import { requirement, requiresNetns } from '../support/requires.js';
import { leftovers } from './netns-suite.js';

const ARTIFACTS = join(new URL('../..', import.meta.url).pathname, 'test-artifacts', 'dashboard-netns');
const netns = requiresNetns();
const needsChromium = requirement(existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`);

/** curl inside a namespace, without blocking the event loop the browser is driven from. */
const curlIn = (ns: string, url: string): Promise<void> =>
  new Promise((resolve) => execFile('ip', ['netns', 'exec', ns, 'curl', '-s', '-m', '2', '-o', '/dev/null', url], () => resolve()));

describe('the live page on the netns network: kernel rule counters per endpoint', { skip: netns.skip || needsChromium.skip, timeout: 300_000 }, () => {
  const prefix = `tkdn${process.pid % 10000}`;
  let t: Tinykube;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  before(async () => {
    netns.check();
    needsChromium.check();
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await Tinykube.start(['--network', 'netns', '--netns-prefix', prefix, '--nodes', '2', '--proxy-mode', 'nftables']);
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

  it("traffic to one node's NodePort moves the endpoints' rates, counted by that node's nftables rules", async () => {
    const { server, token } = endpointFromKubeconfig(t.kubeconfig);
    const nodes = rows(t.k('get nodes -o wide')).map((r) => ({ name: r[0]!, ip: r[5]! }));
    assert.equal(nodes.length, 2);
    await page.goto(`${server}/ui/#token=${encodeURIComponent(token)}`);
    await page.locator('#svc-webapp-np .box.pod.ready').nth(2).waitFor();
    // Every node's proxy is read (through its kubelet port, inside its namespace).
    const proxies = nodes.map((n) => `${n.name}: nftables`).sort().join(', ');
    await page.locator('#status', { hasText: `proxies ${proxies}` }).waitFor({ timeout: 15_000 });

    const [entry] = nodes;
    const nodePort = t.k('get svc webapp-np -o jsonpath={.spec.ports[0].nodePort}');
    let sending = true;
    const send = (async () => {
      while (sending) await curlIn(`${prefix}-client`, `http://${entry!.ip}:${nodePort}/hostname.html`);
    })();
    try {
      const rate = page.locator('#svc-webapp-np .edge-label', { hasText: new RegExp(`(?:[1-9][\\d.]*|0\\.[1-9]) conn/s · by ${entry!.name} \\(nftables\\)$`) });
      await rate.first().waitFor({ timeout: 30_000 });
      await shot('01-nodeport-traffic');
      // The same counters as kubectl reads them: connections only, no bytes.
      const report = JSON.parse(t.k(`get --raw /api/v1/nodes/${entry!.name}/proxy/traffic`)) as TrafficReport;
      assert.equal(report.mode, 'nftables');
      const mine = report.endpoints.filter((e) => e.name === 'webapp-np');
      assert.ok(mine.some((e) => e.connections > 0), JSON.stringify(mine));
      assert.ok(mine.every((e) => e.bytesIn === undefined), 'kernel counters count no bytes');
    } finally {
      sending = false;
      await send;
    }
    // Without traffic the rates fall back to zero.
    await page.locator('#svc-webapp-np .edge-label', { hasText: `0.0 conn/s · by ${entry!.name} (nftables)` }).first().waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#svc-webapp-np .edge-label', { hasText: /by .*\(nftables\)/ }).filter({ hasNotText: entry!.name }).count(), 0, 'only the entry node counted');
  });
});
