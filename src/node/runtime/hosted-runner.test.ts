// Built-in containers in the node's image host, driven as the pod worker drives them: two pods'
// containers in one process, each with its own listeners, log, env, exit code and stop; a
// kill -9 of the host ends them all, and the next start brings up a new host.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { eventually } from '../../../test/support/eventually.js';
import type { Container } from '../../apis/core/pod-template.js';
import { imageHostArgv, resolveContainer } from '../images/resolve.js';
import { timesPath } from '../log-times.js';
import { ProcessLedger } from './process-ledger.js';
import { hostProcessRunner, type ProcessHandle } from './process-runner.js';
import { HostedRunner } from './hosted-runner.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-hosted-'));
const ledger = new ProcessLedger(join(dataDir, 'processes'));
const runner = new HostedRunner(hostProcessRunner, { argv: imageHostArgv(), logPath: join(dataDir, 'host.log'), ledger, log: pino({ level: 'silent' }) });
after(async () => {
  await runner.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let nextHost = 1 + Math.floor(Math.random() * 200);
const podIP = (): string => `127.247.${245 - (process.pid % 5)}.${nextHost++}`;

interface Started {
  ip: string;
  handle: ProcessHandle;
  logPath: string;
  cwd: string;
}

/** Starts a container as the agent would (resolveContainer's hosted spec), until it answers. */
async function start(name: string, c: Omit<Container, 'name'>, port: number): Promise<Started> {
  const ip = podIP();
  const pod = { metadata: { name, namespace: 'demo', uid: `u-${name}-${nextHost}` } };
  const r = resolveContainer(pod, { name: 'c', ...c }, { podIPs: [ip], dataDir });
  assert.ok(r.hosted, 'a built-in image is hosted');
  // The host makes the log's directory and the container's own (resolveContainer only names it).
  const logPath = join(dataDir, 'pods', name, `${nextHost}.log`);
  const env = { PATH: process.env.PATH!, POD_NAME: name, POD_NAMESPACE: 'demo', POD_IP: ip, GREETING: `hello from ${name}` };
  const handle = runner.start({ argv: r.argv, env, cwd: r.cwd, logPath, hosted: { spec: r.hosted, podName: name, cpuPath: join(logPath, '..', 'cpu') } });
  await eventually(() => fetch(`http://${ip}:${port}/`).then((res) => res.ok), 10_000, `${name} answering`);
  return { ip, handle, logPath, cwd: r.cwd! };
}

const netexec = { image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', '--http-port=8080', '--udp-port=-1'] };
const text = async (url: string): Promise<string> => (await fetch(url)).text();

describe('the node image host', { timeout: 60_000 }, () => {
  it('serves two pods in one process, each with its own listeners, log and environment', async () => {
    const a = await start('web-a', { image: 'ikubernetes/myapp:v2', ports: [{ containerPort: 8080 }] }, 8080);
    const b = await start('exec-b', netexec, 8080);
    assert.equal(a.handle.pid, b.handle.pid, 'one process hosts both');
    assert.equal(await text(`http://${a.ip}:8080/hostname.html`), 'web-a\n');
    assert.equal(await text(`http://${b.ip}:8080/hostname`), 'exec-b');
    const shell = JSON.parse(await text(`http://${b.ip}:8080/shell?cmd=${encodeURIComponent('echo "$GREETING"; pwd')}`)) as { output: string };
    assert.equal(shell.output, `hello from exec-b\n${b.cwd}\n`, '/shell runs with the container\'s env, in its directory');
    await eventually(() => /GET \/hostname.html HTTP\/1.1" 200/.test(readFileSync(a.logPath, 'utf8')), 5_000, "web-a's access log");
    assert.doesNotMatch(readFileSync(a.logPath, 'utf8'), /\/shell/, "another container's requests are not in its log");
    // The host records when its lines were written (kubectl logs --timestamps), with no watcher.
    const lastRecord = (): string | undefined => readFileSync(timesPath(a.logPath), 'utf8').trim().split('\n').at(-1)?.split(' ')[0];
    await eventually(() => lastRecord() === String(statSync(a.logPath).size), 5_000, "web-a's log times cover its whole log");
    assert.equal(readFileSync(join(a.logPath, '..', 'cpu'), 'utf8'), '0', 'the host writes its CPU figure from the start');
    assert.match(readFileSync(b.logPath, 'utf8'), /GET \/shell\?cmd=/);
    b.handle.signal('SIGKILL');
    a.handle.signal('SIGKILL');
    assert.deepEqual(await Promise.all([a.handle.exited, b.handle.exited]), [{ exitCode: 137 }, { exitCode: 137 }]);
  });

  it('ends a container with the code netexec /exit asks for, and only that one', async () => {
    const a = await start('exit-a', netexec, 8080);
    const b = await start('exit-b', netexec, 8080);
    await fetch(`http://${a.ip}:8080/exit?code=3`).catch(() => undefined);
    assert.deepEqual(await a.handle.exited, { exitCode: 3 });
    await assert.rejects(fetch(`http://${a.ip}:8080/hostname`), 'its listeners are closed');
    assert.equal(await text(`http://${b.ip}:8080/hostname`), 'exit-b');
    b.handle.signal('SIGKILL');
    await b.handle.exited;
  });

  it('stops gracefully on SIGTERM (answers during the linger, exits 0) and at once on SIGKILL', async () => {
    const a = await start('term-a', { image: 'nginx' , ports: [{ containerPort: 8080 }] }, 8080);
    const b = await start('term-b', { image: 'nginx', ports: [{ containerPort: 8080 }] }, 8080);
    const t0 = Date.now();
    a.handle.signal('SIGTERM');
    b.handle.signal('SIGTERM');
    assert.match(await text(`http://${a.ip}:8080/`), /Welcome to nginx/, 'still answering right after SIGTERM');
    b.handle.signal('SIGKILL');
    assert.deepEqual(await b.handle.exited, { exitCode: 137 });
    assert.ok(Date.now() - t0 < 900, 'SIGKILL does not wait for the linger');
    assert.deepEqual(await a.handle.exited, { exitCode: 0 });
    assert.ok(Date.now() - t0 >= 900, 'SIGTERM lingers before closing');
  });

  it('fails a container whose declared port is taken, with the reason in its log', async () => {
    const a = await start('port-a', netexec, 8080);
    const ip = a.ip;
    const logPath = join(dataDir, 'pods', 'port-b', 'x.log');
    const spec = { kind: 'nginx' as const, host: ip, listeners: [{ port: 8080, proto: 'http' as const, required: true }] };
    const h = runner.start({ argv: ['unused'], env: {}, logPath, hosted: { spec, podName: 'port-b', cpuPath: join(logPath, '..', 'cpu') } });
    assert.deepEqual(await h.exited, { exitCode: 1 });
    assert.match(readFileSync(logPath, 'utf8'), /nginx: cannot listen on .*:8080\/TCP: .*EADDRINUSE/);
    a.handle.signal('SIGKILL');
    await a.handle.exited;
  });

  it("a container whose files cannot be made fails alone, though its start went in one batch with another's", async () => {
    const blocker = join(dataDir, 'a-file');
    writeFileSync(blocker, '');
    const ip = podIP();
    const spec = { kind: 'nginx' as const, host: ip, listeners: [{ port: 8080, proto: 'http' as const, required: true }] };
    const bad = runner.start({ argv: ['unused'], env: {}, logPath: join(blocker, 'x.log'), hosted: { spec, podName: 'files-bad', cpuPath: join(blocker, 'cpu') } });
    const good = await start('files-good', netexec, 8080);
    assert.deepEqual(await bad.exited, { exitCode: 128 });
    assert.equal(await text(`http://${good.ip}:8080/hostname`), 'files-good');
    good.handle.signal('SIGKILL');
    await good.handle.exited;
  });

  it('a kill -9 of the host ends every container it hosted (137); the next start gets a new host', async () => {
    const a = await start('crash-a', netexec, 8080);
    const b = await start('crash-b', { image: 'nginx', ports: [{ containerPort: 8080 }] }, 8080);
    const pid = a.handle.pid!;
    assert.ok(readFileSync(join(dataDir, 'processes', String(pid)), 'utf8'), 'the host is in the process ledger');
    process.kill(pid, 'SIGKILL');
    assert.deepEqual(await Promise.all([a.handle.exited, b.handle.exited]), [{ exitCode: 137 }, { exitCode: 137 }]);
    const c = await start('crash-c', netexec, 8080);
    assert.notEqual(c.handle.pid, pid, 'a new host');
    c.handle.signal('SIGKILL');
    await c.handle.exited;
  });
});
