import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatLogTime, LogTimes, timesPath, watchLogTimes, writtenLogTimes } from './log-times.js';

describe('log times', () => {
  it('records when the file grew, and a byte gets the time of the first record covering it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-logtimes-'));
    try {
      const log = join(dir, '0.log');
      writeFileSync(log, '');
      let now = 1_000;
      const w = watchLogTimes(log, () => now);
      appendFileSync(log, 'one\n');
      await sleep(100);
      now = 2_000;
      appendFileSync(log, 'two\n');
      await sleep(100);
      now = 3_000;
      appendFileSync(log, 'three\n');
      w.stop();
      assert.equal(readFileSync(timesPath(log), 'utf8'), '4 1000\n8 2000\n14 3000\n');
      const times = new LogTimes(log);
      await times.refresh();
      assert.deepEqual([0, 3, 4, 8, 13, 14].map((o) => times.at(o, 9_999)), [1000, 1000, 2000, 3000, 3000, 9999]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("records a writer's own writes, from the size the file had when it was opened", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-logtimes-'));
    try {
      const log = join(dir, '1.log');
      let now = 1_000;
      const w = writtenLogTimes(log, 5, () => now);
      w.wrote(4);
      w.wrote(3);
      await sleep(100);
      now = 2_000;
      w.wrote(6);
      w.stop();
      w.stop();
      assert.equal(readFileSync(timesPath(log), 'utf8'), '12 1000\n18 2000\n', 'writes within the batching share a record; stop() records the rest once');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("formats as Go's RFC3339Nano", () => {
    assert.equal(formatLogTime(Date.parse('2026-12-05T01:37:45.120Z')), '2026-12-05T01:37:45.12Z');
    assert.equal(formatLogTime(Date.parse('2026-12-05T01:37:40.000Z')), '2026-12-05T01:37:40Z');
  });
});
