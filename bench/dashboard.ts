// The live page with many Services (default 1,000 in one namespace), in Debian's chromium:
// time to first render (first card drawn; every card listed), the browser's JS heap and DOM
// size, and how long a filter takes to show one Service — beside peers measured in the same
// run: `kubectl get svc` printing the same Services, and the same page on a namespace of 3.
//
//   npx tsx bench/dashboard.ts [--services 1000]

import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadavg } from 'node:os';
import { chromium, type Page } from 'playwright-core';
import { endpointFromKubeconfig } from '../src/client/https.js';
import { Tinykube, EXAMPLES } from '../test/e2e/harness.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium.js';

const { values } = parseArgs({ options: { services: { type: 'string', default: '1000' } } });
const N = Number(values.services);
const NS = 'bench';

function manyServices(n: number): string {
  const items = Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${String(i).padStart(4, '0')}`, namespace: NS },
    spec: { selector: { app: i % 10 === 0 ? 'webapp' : `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
  }));
  return items.map((o) => stringify(o)).join('---\n');
}

async function heap(page: Page): Promise<{ heapMB: number; nodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = new Map(metrics.map((x) => [x.name, x.value]));
  await cdp.detach();
  return { heapMB: (m.get('JSHeapUsedSize') ?? 0) / 1024 / 1024, nodes: m.get('Nodes') ?? 0 };
}

/** Navigation → first card drawn → every card listed, in ms. */
async function firstRender(page: Page, url: string, count: number): Promise<{ first: number; all: number }> {
  const t0 = Date.now();
  await page.goto(url);
  await page.locator('.card svg').first().waitFor({ timeout: 120_000 });
  const first = Date.now() - t0;
  await page.waitForFunction((n) => document.querySelectorAll('.card').length >= n, count, { timeout: 120_000, polling: 50 });
  return { first, all: Date.now() - t0 };
}

const t = await Tinykube.start();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const { server, token } = endpointFromKubeconfig(t.kubeconfig);
  t.k(['create', 'namespace', NS]);
  t.k(['apply', '-n', NS, '-f', `${EXAMPLES}/webapp.yaml`]);
  const created = Date.now();
  t.k(['create', '-f', t.manifest('many.yaml', manyServices(N))]);
  console.log(`dashboard: ${N} Services in namespace ${NS} (created in ${Date.now() - created} ms), chromium ${browser.version()}, load average ${loadavg()[0]!.toFixed(1)}`);

  const kubectlStart = Date.now();
  const listed = t.k(['get', 'svc', '-n', NS, '--no-headers']).trim().split('\n').length;
  const kubectlMs = Date.now() - kubectlStart;

  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 } });
  const small = await context.newPage();
  const few = await firstRender(small, `${server}/ui/?namespace=default#token=${encodeURIComponent(token)}`, 1);
  const fewMem = await heap(small);
  await small.close();

  const page = await context.newPage();
  const many = await firstRender(page, `${server}/ui/?namespace=${NS}#token=${encodeURIComponent(token)}`, N + 1);
  const manyMem = await heap(page);
  const filterStart = Date.now();
  await page.fill('#filter', `svc-${String(N - 1).padStart(4, '0')}`);
  await page.locator(`#svc-svc-${String(N - 1).padStart(4, '0')} svg`).waitFor();
  const filterMs = Date.now() - filterStart;

  const rows: [string, string, string][] = [
    ['first card drawn', `${many.first} ms`, `${few.first} ms with 3 Services (×${(many.first / few.first).toFixed(2)})`],
    [`all ${N + 1} cards listed`, `${many.all} ms`, `kubectl get svc printed ${listed} in ${kubectlMs} ms (×${(many.all / kubectlMs).toFixed(2)})`],
    ['JS heap after GC', `${manyMem.heapMB.toFixed(1)} MB`, `${fewMem.heapMB.toFixed(1)} MB with 3 Services (×${(manyMem.heapMB / fewMem.heapMB).toFixed(2)})`],
    ['DOM nodes', `${manyMem.nodes}`, `${fewMem.nodes} with 3 Services`],
    ['filter to the last Service', `${filterMs} ms`, ''],
  ];
  for (const [what, figure, peer] of rows) console.log(`  ${what.padEnd(28)} ${figure.padStart(10)}   ${peer}`);
} finally {
  await browser.close();
  await t.destroy();
}
