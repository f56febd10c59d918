import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { componentLog } from './log.js';

describe('componentLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes klog lines to its file, from its start, and passes each record on to the parent's log", async () => {
    const parentLines: Record<string, unknown>[] = [];
    const parent = pino({ level: 'info', base: undefined }, { write: (l: string) => void parentLines.push(JSON.parse(l) as Record<string, unknown>) });
    const file = join(dir, 'logs', 'kube-proxy.log');
    for (const run of ['first', 'second']) {
      const { log, close } = componentLog(parent, file);
      const child = log.child({ component: 'proxy' });
      child.info({ mode: 'nftables' }, `${run} serving`);
      child.debug('below the level');
      await close();
    }
    assert.match(readFileSync(file, 'utf8'), /^I\d{4} [\d:.]+ +\d+ proxy\] "second serving" mode="nftables"\n$/);
    assert.deepEqual(
      parentLines.map(({ component, mode, msg }) => ({ component, mode, msg })),
      ['first', 'second'].map((run) => ({ component: 'proxy', mode: 'nftables', msg: `${run} serving` })),
    );
  });
});
