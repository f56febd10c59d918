import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import type { Pod } from '../apis/core/pods.js';
import { R } from '../client/client.js';
import { createPod, runningStatus, serveHandler, type HandlerServer } from '../../test/support/exec-logs-fixture.js';
import { logPath, logsHandler } from './logs.js';
import { formatLogTime, timesPath } from './log-times.js';

/** When web's current run wrote its lines: one and two an hour ago, three and four just now. */
const T1 = Date.now() - 3_600_000;
const T2 = Date.now() - 10_000;
import { singleHost } from './pod-placement.js';

describe('logs', () => {
  let api: TestApi;
  let server: HandlerServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-logs-'));
  const pods: Record<string, Pod> = {};

  const writeLog = (pod: Pod, container: string, run: number, text: string): string => {
    const path = logPath(dataDir, pod, container, run);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    api = await startTestApi();
    const client = api.client();
    server = await serveHandler({ request: logsHandler({ client, placement: singleHost(dataDir) }) });
    pods.web = await createPod(client, 'web', [{ name: 'web', image: 'nginx' }], runningStatus('127.244.0.2', ['web']));
    pods.two = await createPod(client, 'two', [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }], runningStatus('127.244.0.3', ['a', 'b']));
    pods.pending = await createPod(client, 'pending', [{ name: 'c', image: 'nginx' }], { phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] });
    writeLog(pods.web, 'web', 0, 'first run\n');
    writeFileSync(timesPath(writeLog(pods.web, 'web', 1, 'one\ntwo\nthree\nfour\n')), `8 ${T1}\n19 ${T2}\n`);
    writeLog(pods.two, 'a', 0, 'from a\n');
    writeLog(pods.two, 'b', 0, 'from b');
  });
  after(async () => {
    await server.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async (path: string): Promise<{ status: number; body: string; type: string | null }> => {
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/${path}`);
    const body = await res.text();
    return { status: res.status, body: res.status === 200 ? body : (JSON.parse(body) as { message: string }).message, type: res.headers.get('content-type') };
  };

  const cases: { name: string; path: string; status: number; body: string }[] = [
    { name: 'the current run', path: 'web/log?container=web', status: 200, body: 'one\ntwo\nthree\nfour\n' },
    { name: 'the only container by default', path: 'web/log', status: 200, body: 'one\ntwo\nthree\nfour\n' },
    { name: 'tailLines', path: 'web/log?tailLines=2', status: 200, body: 'three\nfour\n' },
    { name: 'tailLines beyond the file', path: 'web/log?tailLines=10', status: 200, body: 'one\ntwo\nthree\nfour\n' },
    { name: 'tailLines=0', path: 'web/log?tailLines=0', status: 200, body: '' },
    { name: 'limitBytes', path: 'web/log?limitBytes=6', status: 200, body: 'one\ntw' },
    { name: 'timestamps', path: 'web/log?timestamps=true', status: 200, body: `${formatLogTime(T1)} one\n${formatLogTime(T1)} two\n${formatLogTime(T2)} three\n${formatLogTime(T2)} four\n` },
    { name: 'sinceSeconds', path: 'web/log?sinceSeconds=60', status: 200, body: 'three\nfour\n' },
    { name: 'sinceTime', path: `web/log?sinceTime=${formatLogTime(T2)}`, status: 200, body: 'three\nfour\n' },
    { name: 'sinceSeconds after tailLines, with timestamps', path: 'web/log?tailLines=3&sinceSeconds=60&timestamps=true', status: 200, body: `${formatLogTime(T2)} three\n${formatLogTime(T2)} four\n` },
    { name: 'since later than every line', path: 'web/log?sinceSeconds=1', status: 200, body: '' },
    { name: 'a last line without its newline', path: 'two/log?container=b&sinceSeconds=60', status: 200, body: 'from b' },
    { name: 'sinceSeconds=0', path: 'web/log?sinceSeconds=0', status: 422, body: 'PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0' },
    {
      name: 'sinceSeconds and sinceTime',
      path: `web/log?sinceSeconds=5&sinceTime=${formatLogTime(T2)}`,
      status: 422,
      body: 'PodLogOptions "web" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    },
    { name: 'a bad sinceSeconds', path: 'web/log?sinceSeconds=soon', status: 400, body: 'invalid sinceSeconds: soon' },
    { name: 'a bad sinceTime', path: 'web/log?sinceTime=yesterday', status: 400, body: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse' },
    { name: 'previous', path: 'web/log?previous=true', status: 200, body: 'first run\n' },
    { name: 'a named container', path: 'two/log?container=b', status: 200, body: 'from b' },
    { name: 'previous without a restart', path: 'two/log?container=a&previous=true', status: 400, body: 'previous terminated container "a" in pod "two" not found' },
    { name: 'several containers, none named', path: 'two/log', status: 400, body: 'a container name must be specified for pod two, choose one of: [a b]' },
    { name: 'no such container', path: 'two/log?container=c', status: 400, body: 'container c is not valid for pod two' },
    { name: 'a container still starting', path: 'pending/log', status: 400, body: 'container "c" in pod "pending" is waiting to start: ContainerCreating' },
    { name: 'no such pod', path: 'nope/log', status: 404, body: 'pods "nope" not found' },
    { name: 'a bad tailLines', path: 'web/log?tailLines=x', status: 400, body: 'invalid tailLines: x' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await get(c.path);
      assert.deepEqual({ status: r.status, body: r.body }, { status: c.status, body: c.body });
      if (r.status === 200) assert.equal(r.type, 'text/plain');
    });
  }

  it('follow streams new output until the container ends', { timeout: 20_000 }, async () => {
    const client = api.client();
    const pod = await createPod(client, 'follow', [{ name: 'c', image: 'busybox' }], runningStatus('127.244.0.4', ['c']));
    const path = writeLog(pod, 'c', 0, 'before\n');
    let body = '';
    const waiters: (() => void)[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      http.get(`${server.url}/api/v1/namespaces/default/pods/follow/log?follow=true`, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
          waiters.forEach((w) => w());
        });
        res.on('end', resolve);
      }).on('error', reject);
    });
    const seen = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => void (body.includes(text) && resolve());
        waiters.push(check);
        check();
      });

    await seen('before\n');
    appendFileSync(path, 'during\n');
    await seen('during\n');
    appendFileSync(path, 'last words\n');
    const status = { ...pod.status!, containerStatuses: [{ name: 'c', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
    const current = await client.get<Pod>(R.pods, 'default', 'follow');
    await client.update(R.pods, 'default', { ...current, status }, { subresource: 'status' });
    await ended;
    assert.equal(body, 'before\nduring\nlast words\n');
  });
});
