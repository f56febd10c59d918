import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastFireBetween, nextFire, parseCron } from './cron.js';

const at = (s: string): Date => new Date(s);

describe('cron schedules', () => {
  it('fires on steps, ranges, lists, names and descriptors (UTC)', () => {
    assert.deepEqual(nextFire(parseCron('*/15 * * * *'), at('2026-01-01T10:07:30Z')), at('2026-01-01T10:15:00Z'));
    assert.deepEqual(nextFire(parseCron('0 9-17/4 * * mon-fri'), at('2026-01-02T17:00:00Z')), at('2026-01-05T09:00:00Z'));
    assert.deepEqual(nextFire(parseCron('@daily'), at('2026-03-04T00:00:00Z')), at('2026-03-05T00:00:00Z'));
    assert.deepEqual(nextFire(parseCron('30 6 1,15 * *'), at('2026-02-02T00:00:00Z')), at('2026-02-15T06:30:00Z'));
    // Both day fields restricted: either matches (the 13th, or a Friday).
    assert.deepEqual(nextFire(parseCron('0 0 13 * 5'), at('2026-02-01T00:00:00Z')), at('2026-02-06T00:00:00Z'));
  });

  it('finds the latest missed time since the last one', () => {
    assert.deepEqual(lastFireBetween(parseCron('*/5 * * * *'), at('2026-01-01T10:00:00Z'), at('2026-01-01T10:17:00Z')), at('2026-01-01T10:15:00Z'));
    assert.equal(lastFireBetween(parseCron('0 * * * *'), at('2026-01-01T10:00:00Z'), at('2026-01-01T10:59:00Z')), undefined);
  });

  it("refuses what robfig/cron refuses, with its messages", () => {
    assert.throws(() => parseCron('not a schedule'), { message: 'expected exactly 5 fields, found 3: [not a schedule]' });
    assert.throws(() => parseCron('61 * * * *'), { message: 'end of range (61) above maximum (59): 61' });
    assert.throws(() => parseCron('* * 0 * *'), { message: 'beginning of range (0) below minimum (1): 0' });
    assert.throws(() => parseCron('x * * * *'), { message: 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax' });
    assert.throws(() => parseCron('@fortnightly'), { message: 'unrecognized descriptor: @fortnightly' });
  });
});
