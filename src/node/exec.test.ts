import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import type { Service } from '../apis/core/service/types.js';
import { R } from '../client/client.js';
import { createPod, readRefusal, runningStatus, serveHandler, type HandlerServer } from '../../test/support/exec-logs-fixture.js';
import { CHANNEL, execHandler } from './exec.js';
import { singleHost } from './pod-placement.js';
import { eventually } from '../../test/support/eventually.js';

interface Session {
  stdout: string;
  stderr: string;
  status?: Record<string, unknown>;
  /** Set when the upgrade was refused. */
  refused?: { code: number; message: string };
}

describe('exec', { timeout: 30_000 }, () => {
  let api: TestApi;
  let server: HandlerServer;
  let services: Service[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-exec-'));

  before(async () => {
    api = await startTestApi();
    const client = api.client();
    server = await serveHandler({ upgrade: execHandler({ client, placement: singleHost(dataDir), services: () => services }) });
    services = (await client.list<Service>(R.services)).items;
    await createPod(client, 'box', [{ name: 'main', image: 'busybox' }], runningStatus('127.244.0.8', ['main']));
    await createPod(client, 'waiting', [{ name: 'main', image: 'busybox' }], { phase: 'Pending' });
  });
  after(async () => {
    await server.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs one exec session the way kubectl does; `input` goes to stdin, then the v5 close. */
  function exec(pod: string, command: string[], opts: { input?: string; tty?: boolean; protocol?: string; onStdout?: (s: Session, ws: WebSocket) => void } = {}): Promise<Session> {
    const q = new URLSearchParams(command.map((c): [string, string] => ['command', c]));
    q.set('container', 'main');
    q.set('stdout', 'true');
    if (opts.tty) q.set('tty', 'true');
    else q.set('stderr', 'true');
    if (opts.input !== undefined) q.set('stdin', 'true');
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/${pod}/exec?${q}`, [opts.protocol ?? 'v5.channel.k8s.io']);
    const s: Session = { stdout: '', stderr: '' };
    return new Promise((resolve, reject) => {
      ws.on('open', () => {
        if (opts.input === undefined) return;
        ws.send(Buffer.concat([Buffer.from([CHANNEL.stdin]), Buffer.from(opts.input)]));
        ws.send(Buffer.from([CHANNEL.close, CHANNEL.stdin]));
      });
      ws.on('message', (data: Buffer) => {
        const text = data.subarray(1).toString();
        if (data[0] === CHANNEL.stdout) {
          s.stdout += text;
          opts.onStdout?.(s, ws);
        } else if (data[0] === CHANNEL.stderr) s.stderr += text;
        else if (data[0] === CHANNEL.error) s.status = JSON.parse(text) as Record<string, unknown>;
      });
      ws.on('unexpected-response', (_req, res) => void readRefusal(res).then((refused) => resolve({ ...s, refused })));
      ws.on('close', () => resolve(s));
      ws.on('error', reject);
    });
  }

  const success = { metadata: {}, status: 'Success' };

  it('runs a command: stdout and Success', async () => {
    assert.deepEqual(await exec('box', ['echo', 'hi']), { stdout: 'hi\n', stderr: '', status: success });
  });

  it('a non-zero exit: stderr and NonZeroExitCode with the code', async () => {
    const s = await exec('box', ['sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(s.stderr, 'oops\n');
    assert.equal(s.status?.reason, 'NonZeroExitCode');
    assert.deepEqual(s.status?.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  });

  it('killed by a signal: exit code 128 + its number', async () => {
    const s = await exec('box', ['sh', '-c', 'kill -TERM $$']);
    assert.deepEqual(s.status?.details, { causes: [{ reason: 'ExitCode', message: '143' }] });
  });

  it('stdin until the v5 close signal', async () => {
    assert.deepEqual(await exec('box', ['cat'], { input: 'hello\nworld\n' }), { stdout: 'hello\nworld\n', stderr: '', status: success });
  });

  it('v4 is accepted', async () => {
    assert.deepEqual(await exec('box', ['echo', 'four'], { protocol: 'v4.channel.k8s.io' }), { stdout: 'four\n', stderr: '', status: success });
  });

  it("the pod's environment and working directory", async () => {
    const s = await exec('box', ['sh', '-c', 'echo $POD_NAME $POD_IP $HOSTNAME $KUBERNETES_SERVICE_HOST; pwd']);
    const [vars, cwd] = s.stdout.trim().split('\n');
    assert.equal(vars, 'box 127.244.0.8 box 127.96.0.1');
    assert.match(cwd, /\/pods\/default_box_[0-9a-f-]+\/main\/root$/);
  });

  it('a terminal with tty=true', async () => {
    const s = await exec('box', ['sh', '-c', 'test -t 0 && echo "tty $TERM"'], { tty: true });
    assert.match(s.stdout, /tty xterm/);
    assert.deepEqual(s.status, success);
  });

  it('an unknown command: an internal error Status', async () => {
    const s = await exec('box', ['no-such-command-here']);
    assert.equal(s.status?.reason, 'InternalError');
    assert.match(String(s.status?.message), /exec: "no-such-command-here": executable file not found in \$PATH/);
  });

  it('a client that leaves ends the command', async () => {
    let pid = 0;
    await exec('box', ['sh', '-c', 'echo $$; exec sleep 1000'], {
      onStdout: (s, ws) => {
        pid = Number(s.stdout.trim());
        ws.close();
      },
    });
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(pid > 0);
    await eventually(() => !alive(), 10_000, `the command (pid ${pid}) to end`);
  });

  const refusals: { name: string; pod: string; command: string[]; protocol?: string; code: number; message: string }[] = [
    { name: 'no such pod', pod: 'nope', command: ['true'], code: 404, message: 'pods "nope" not found' },
    { name: 'a pod not running', pod: 'waiting', command: ['true'], code: 400, message: 'unable to upgrade connection: container not found ("main")' },
    { name: 'no command', pod: 'box', command: [], code: 400, message: 'you must specify at least 1 command' },
    { name: 'no channel protocol offered', pod: 'box', command: ['true'], protocol: 'v3.channel.k8s.io', code: 400, message: 'exec needs a WebSocket offering v5.channel.k8s.io or v4.channel.k8s.io' },
  ];
  for (const r of refusals) {
    it(`refused: ${r.name}`, async () => {
      const s = await exec(r.pod, r.command, { protocol: r.protocol });
      assert.deepEqual(s.refused, { code: r.code, message: r.message });
    });
  }
});
