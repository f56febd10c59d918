// The live page in a real browser (Debian's chromium, driven by playwright-core) against the
// real program: sign-in and 401, a Deployment + Service appearing, scaling, a pod deleted,
// traffic rates moving, explain for a NodePort. Screenshots go to test-artifacts/dashboard/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import http from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { endpointFromKubeconfig } from '../../src/client/https.js';
import { Tinykube, EXAMPLES } from './harness.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';
import { requirement } from '../support/requires.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin', 'tinykube.js');
const ARTIFACTS = join(new URL('../..', import.meta.url).pathname, 'test-artifacts', 'dashboard');
const needsChromium = requirement(existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`);

function getStatus(url: string, headers: Record<string, string> = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // A connection each, as curl makes.
    http.get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('the live page, in chromium', { skip: needsChromium.skip, timeout: 240_000 }, () => {
  let t: Tinykube;
  let browser: Browser;
  let page: Page;
  let server: string;
  let token: string;
  const errors: string[] = [];
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const card = (name: string): string => `#svc-${name}`;
  const podBoxes = (svc: string, state: string): Promise<number> => page.locator(`${card(svc)} .box.pod.${state}`).count();

  before(async () => {
    needsChromium.check();
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await Tinykube.start();
    ({ server, token } = endpointFromKubeconfig(t.kubeconfig));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
  });
  after(async () => {
    assert.deepEqual(errors, [], 'errors in the page');
    await browser?.close();
    await t?.destroy();
  });

  it('without a token: 401 from every data path, and the page shows the sign-in form only', async () => {
    for (const path of ['/ui/api/stream', '/ui/api/explain?service=kubernetes', '/api/v1/namespaces/default/services']) {
      const r = await getStatus(`${server}${path}`);
      assert.equal(r.code, 401, path);
      assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
    }
    assert.equal((await getStatus(`${server}/ui/api/stream`, { Authorization: 'Bearer wrong' })).code, 401);
    await page.goto(`${server}/ui/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', 'not-the-token');
    await page.click('#login-form button');
    await page.locator('#login-error', { hasText: '401' }).waitFor();
    assert.equal(await page.locator('.card').count(), 0);
    assert.doesNotMatch(await page.content(), /kubernetes|127\.96\./);
    await shot('01-sign-in-refused');
  });

  it('a Deployment + Service appears, with its addresses, selector and ready pods', async () => {
    const printed = spawnSync(process.execPath, [BIN, 'dashboard', '--kubeconfig', t.kubeconfig], { encoding: 'utf8' });
    const url = printed.stdout.split('\n')[0];
    assert.equal(url, `${server}/ui/#token=${encodeURIComponent(token)}`, printed.stderr);
    await page.goto(url);
    await page.locator(card('kubernetes')).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    t.k(['apply', '-f', join(EXAMPLES, 'webapp.yaml'), '-f', join(EXAMPLES, 'nodeport.yaml')]);
    await page.locator(`${card('webapp')} .box.pod.ready`).nth(2).waitFor();
    const text = await page.locator(card('webapp')).textContent();
    assert.match(text!, /app=webapp/);
    assert.match(text!, /ClusterIP127\.96\.\d+\.\d+:8080/);
    await page.locator(card('my-nodeport'), { hasText: 'no pod matches the selector app.kubernetes.io/name=MyApp' }).waitFor();
    await shot('02-webapp');
  });

  it('scaling changes pods and endpoints without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    t.k('scale deployment webapp --replicas 4');
    await page.locator(`${card('webapp')} .box.pod.ready`).nth(3).waitFor();
    await page.locator(`${card('webapp')} .box.slice`, { hasText: '4 endpoints' }).waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { marker: number }).marker), 1);
    await shot('03-scaled');
  });

  it('a deleted pod goes Terminating, then away', async () => {
    // A pod of the Service held by a finalizer: Terminating until the test lets it go (the
    // built-in servers stop at once, so an ordinary pod is Terminating for a moment only).
    const pod = 'lingering';
    t.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: ${pod}, labels: {app: webapp}, finalizers: [example.com/hold]}
spec:
  containers: [{name: webapp, image: ikubernetes/myapp:v1, ports: [{name: http, containerPort: 8080}]}]
`);
    const box = `${card('webapp')} [data-ref="Pod/${pod}"]`;
    await page.locator(`${box}.ready`).waitFor();
    t.k(['delete', 'pod', pod, '--wait=false']);
    await page.locator(`${box}.terminating`).waitFor();
    await shot('04-terminating');
    t.k(['patch', 'pod', pod, '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await page.locator(box).waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator(`${card('webapp')} .box.pod.ready`).nth(3).waitFor();
  });

  it('traffic through the ClusterIP moves the per-endpoint rates', async () => {
    const ip = t.k('get svc webapp -o jsonpath={.spec.clusterIP}');
    let sending = true;
    const send = (async () => {
      while (sending) await httpGet(`http://${ip}:8080/hostname.html`).catch(() => undefined);
    })();
    try {
      await page.locator(`${card('webapp')} .edge-label`, { hasText: /[1-9][\d.]* conn\/s|0\.[1-9] conn\/s/ }).first().waitFor({ timeout: 20_000 });
      await shot('05-traffic');
    } finally {
      sending = false;
      await send;
    }
  });

  it("a selected pod's Events", async () => {
    await page.locator(`${card('webapp')} .box.pod.ready`).first().click();
    await page.locator('#events li', { hasText: 'Scheduled: Successfully assigned default/webapp-' }).waitFor();
    await page.locator('#events li', { hasText: 'Started: Started container webapp' }).waitFor();
  });

  it('a rollout: old pods drain while new ones take over', async () => {
    const revisions = async (): Promise<string[]> => page.evaluate(() => (window as unknown as { revisions: string[] }).revisions);
    await page.evaluate(() => {
      const w = window as unknown as { revisions: string[] };
      w.revisions = [];
      // Each moment's set of pod-template-hashes among the card's pods.
      new MutationObserver(() => {
        const hashes = [...document.querySelectorAll('#svc-webapp .box.pod')].map((b) => /· ([a-z0-9]{6,10})$/.exec(b.getAttribute('aria-label') ?? '')?.[1]);
        w.revisions.push([...new Set(hashes)].sort().join(','));
      }).observe(document.body, { subtree: true, childList: true });
    });
    const before = t.k(['get', 'rs', '-l', 'app=webapp', '-o', 'jsonpath={.items[0].metadata.labels.pod-template-hash}']);
    t.k('set image deployment/webapp webapp=ikubernetes/myapp:v2');
    t.k('rollout status deployment/webapp --timeout 60s');
    await page.waitForFunction((old) => ![...document.querySelectorAll('#svc-webapp .box.pod')].some((b) => b.getAttribute('aria-label')?.endsWith(old)), before, { timeout: 60_000 });
    const seen = await revisions();
    assert.ok(seen.some((r) => r.split(',').length === 2 && r.includes(before)), `revisions seen together: ${[...new Set(seen)].join(' | ')}`);
    await shot('06-rolled-out');
  });

  it('explain for a NodePort, from the outside client', async () => {
    t.k('expose deployment webapp --name webapp-np --type NodePort --port 8080 --target-port http');
    await page.locator(card('webapp-np')).waitFor();
    const nodePort = t.k('get svc webapp-np -o jsonpath={.spec.ports[0].nodePort}');
    await page.locator(`${card('webapp-np')} .box.svc`).focus();
    await page.keyboard.press('Enter');
    await page.selectOption('#explain-from', 'outside');
    const option = await page.locator('#explain-address option', { hasText: `NodePort` }).first().getAttribute('value');
    assert.match(option!, new RegExp(`:${nodePort}$`));
    await page.selectOption('#explain-address', option!);
    await page.click('#explain-form button');
    await shot('07-explain-nodeport');
    await page.locator('#explain-out pre').first().waitFor();
    const hit = page.locator('#explain-out .hit', { hasText: `${option} (NodePort)` });
    assert.equal(await hit.count(), 1, (await page.locator('#explain-out').textContent())!);
    assert.match((await hit.textContent())!, /forwards to one of \d endpoints/);
    const out = (await page.locator('#explain-out').textContent())!;
    assert.match(out, /webapp-np\.default\.svc\.cluster\.local → A 127\.96\./);
    await shot('07-explain-nodeport');
  });
});
