// The bench's pod stages (bench/support/pod-stages.ts) from a watch that kept up, one that fell
// behind, one cut off, and the pods' own timestamps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStage, parseRecorded, stageTimes, type Recorded, type Seen } from '../../bench/support/pod-stages.js';

const T0 = Date.parse('2026-12-05T18:00:00.400Z');
const at = (s: number): number => T0 + s * 1000;
/** The server's timestamp of a moment (floored to its second, as the API writes it). */
const stamp = (s: number): string => new Date(Math.floor(at(s) / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** Two pods: one early, one last; the server recorded these moments (s after T0). */
const RECORDED: Record<string, [number, number, number, number]> = { a: [0.1, 1.2, 2.3, 2.4], b: [0.2, 2.7, 4.1, 4.5] };
const recorded = (): Recorded => new Map(Object.entries(RECORDED).map(([n, [c, b, r, y]]) => [n, { created: stamp(c), bound: stamp(b), running: stamp(r), ready: stamp(y) }]));
const seenAt = (pods: Record<string, [number, number, number, number]>): Seen =>
  new Map(Object.entries(pods).map(([n, [c, b, r, y]]) => [n, { created: at(c), bound: at(b), running: at(r), ready: at(y) }]));

const secs = (t: ReturnType<typeof stageTimes>): string[] => Object.values(t).map(formatStage);

describe('stageTimes', () => {
  it('a watch that kept up: its times, to the millisecond', () => {
    const seen = seenAt({ a: [0.15, 1.25, 2.35, 2.45], b: [0.25, 2.75, 4.15, 4.55] });
    assert.deepEqual(secs(stageTimes(seen, recorded(), T0, 2)), ['0.3 s', '2.8 s', '4.2 s', '4.5 s']);
  });

  it('a watch that fell behind (every stage of the last pod seen at once): the server’s seconds, flagged', () => {
    const seen = seenAt({ a: [0.15, 1.25, 2.35, 2.45], b: [9, 9, 9, 9] });
    const got = stageTimes(seen, recorded(), T0, 2);
    // b's stages were recorded in the seconds 18:00:00, :03, :04 and :04: by their ends.
    assert.deepEqual(secs(got), ['≤ 0.6 s', '≤ 3.6 s', '≤ 4.6 s', '≤ 4.6 s']);
    assert.ok(Object.values(got).every((t) => t?.coarse));
  });

  it('a watch cut off before the last pod: no NaN, the server’s seconds', () => {
    const seen = seenAt({ a: [0.15, 1.25, 2.35, 2.45] });
    const got = stageTimes(seen, recorded(), T0, 2);
    assert.deepEqual(secs(got), ['≤ 0.6 s', '≤ 3.6 s', '≤ 4.6 s', '≤ 4.6 s']);
  });

  it('the last pod by the watch is not the last by the server: the later one wins', () => {
    // a seen on time at 2.45 s; b's Ready seen late (after its second): bound by 4.6 s.
    const seen = seenAt({ a: [0.15, 1.25, 2.35, 2.45], b: [0.25, 2.75, 4.15, 7] });
    assert.deepEqual(secs(stageTimes(seen, recorded(), T0, 2)).slice(2), ['4.2 s', '≤ 4.6 s']);
  });

  it('a stage no source has for some pod, or too few pods: n/a', () => {
    const rec = recorded();
    delete rec.get('b')!.running;
    const got = stageTimes(new Map(), rec, T0, 2);
    assert.equal(got.running, undefined);
    assert.equal(formatStage(got.running), 'n/a');
    assert.equal(stageTimes(new Map(), recorded(), T0, 3).ready, undefined);
  });
});

describe('parseRecorded', () => {
  it('reads kubectl’s jsonpath lines, leaving out empty fields', () => {
    const got = parseRecorded('web-1|2026-12-05T18:00:00Z|2026-12-05T18:00:01Z|2026-12-05T18:00:02Z|2026-12-05T18:00:03Z\nweb-2|2026-12-05T18:00:00Z|||\n');
    assert.deepEqual(Object.fromEntries(got), {
      'web-1': { created: '2026-12-05T18:00:00Z', bound: '2026-12-05T18:00:01Z', running: '2026-12-05T18:00:02Z', ready: '2026-12-05T18:00:03Z' },
      'web-2': { created: '2026-12-05T18:00:00Z' },
    });
  });
});
