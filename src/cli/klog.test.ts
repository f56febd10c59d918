import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { klogLine } from './klog.js';

describe('klogLine', () => {
  it('writes severity, UTC time with microseconds, pid, where, the quoted message and key/values', () => {
    const rec = { level: 30, time: Date.UTC(2026, 11, 5, 2, 55, 22, 638), component: 'proxy', mode: 'nftables', ips: ['10.0.0.1'], n: 3, msg: 'proxy serving' };
    assert.equal(klogLine(rec, 4242), 'I1205 02:55:22.638000    4242 proxy] "proxy serving" mode="nftables" ips=["10.0.0.1"] n=3\n');
  });

  it('maps warnings and errors, and shows an error by its message', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    assert.match(klogLine({ level: 40, time: t, msg: 'fell back' }, 1), /^W0102 03:04:05\.006000 +1 main\] "fell back"\n$/);
    assert.equal(klogLine({ level: 50, time: t, err: new Error('nft: boom'), msg: 'sync failed' }, 1).split('] ')[1], '"sync failed" err="nft: boom"\n');
  });
});
