import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, parseDuration } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

test('humanDuration follows apimachinery HumanDuration', () => {
  const cases: { name: string; ms: number; want: string }[] = [
    { name: 'two seconds in the future', ms: -2 * s, want: '<invalid>' },
    { name: 'one second in the future', ms: -1 * s, want: '0s' },
    { name: 'a sub-second skew', ms: -999, want: '0s' },
    { name: 'zero', ms: 0, want: '0s' },
    { name: 'seconds', ms: 59 * s, want: '59s' },
    { name: 'seconds up to two minutes', ms: 119 * s + 999, want: '119s' },
    { name: 'two minutes', ms: 2 * m, want: '2m' },
    { name: 'minutes and seconds', ms: 2 * m + 5 * s, want: '2m5s' },
    { name: 'under ten minutes', ms: 9 * m + 59 * s, want: '9m59s' },
    { name: 'ten minutes drops seconds', ms: 10 * m + 30 * s, want: '10m' },
    { name: 'under three hours in minutes', ms: 179 * m, want: '179m' },
    { name: 'three hours', ms: 3 * h, want: '3h' },
    { name: 'hours and minutes', ms: 3 * h + 20 * m, want: '3h20m' },
    { name: 'eight hours drops minutes', ms: 8 * h + 20 * m, want: '8h' },
    { name: 'a day in hours', ms: 24 * h, want: '24h' },
    { name: 'under two days', ms: 47 * h + 59 * m, want: '47h' },
    { name: 'two days', ms: 2 * d, want: '2d' },
    { name: 'days and hours', ms: 3 * d + 4 * h, want: '3d4h' },
    { name: 'eight days drops hours', ms: 8 * d + 4 * h, want: '8d' },
    { name: 'under two years in days', ms: 729 * d, want: '729d' },
    { name: 'two years', ms: 2 * y, want: '2y' },
    { name: 'years and days', ms: 2 * y + 10 * d, want: '2y10d' },
    { name: 'eight years drops days', ms: 8 * y + 10 * d, want: '8y' },
  ];
  for (const c of cases) assert.equal(humanDuration(c.ms), c.want, c.name);
});

describe('parseDuration', () => {
  for (const [s, ms] of [['40s', 40_000], ['500ms', 500], ['1m30s', 90_000], ['1.5s', 1500], ['2h', 7_200_000]] as const) {
    it(s, () => assert.equal(parseDuration(s), ms));
  }
  it('refuses what is not a duration', () => {
    for (const bad of ['', '15', 's', '5x', '5s ']) assert.throws(() => parseDuration(bad), /is not a duration/);
  });
});
