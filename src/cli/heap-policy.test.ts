import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { HEAP_GROWING_PERCENT, heapPolicyFlags } from './heap-policy.js';

test('heapPolicyFlags: the growing factor, unless the node flags or NODE_OPTIONS choose one', () => {
  const cases: { name: string; execArgv: string[]; nodeOptions?: string; want: string[] }[] = [
    { name: 'no flags', execArgv: [], want: [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`] },
    { name: 'unrelated flags', execArgv: ['--enable-source-maps', '--max-old-space-size=4096'], nodeOptions: '--trace-gc', want: [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`] },
    { name: 'own factor', execArgv: ['--heap-growing-percent=100'], want: [] },
    { name: 'own factor, underscores', execArgv: ['--heap_growing_percent=20'], want: [] },
    { name: 'optimize for size in NODE_OPTIONS', execArgv: [], nodeOptions: '--require x --optimize-for-size', want: [] },
  ];
  for (const c of cases) assert.deepEqual(heapPolicyFlags(c.execArgv, c.nodeOptions), c.want, c.name);
});

// A burst as the API server sees one: a live set replaced write by write, and garbage. The peak
// old space, set at run time as applyHeapPolicy does, against V8's default in the same run.
const BURST = `
const v8 = await import('node:v8');
if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
const live = new Map();
let peak = 0;
for (let i = 0; i < 600000; i++) {
  live.set(i % 120000, { i, labels: { app: 'a' + (i % 1000) }, status: 'x'.repeat(300) + i });
  if (i % 2000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
}
process.stdout.write(String(peak));
`;

test('the policy takes effect when set at run time: the old space peaks lower than by default', () => {
  const peak = (flags: string[]): number =>
    Number(execFileSync(process.execPath, ['--input-type=module', '-e', BURST, ...flags], { encoding: 'utf8' }));
  const withPolicy = peak(heapPolicyFlags([]));
  const byDefault = peak([]);
  assert.ok(withPolicy < 0.75 * byDefault, `old space peak ${withPolicy >> 20} MiB with the policy, ${byDefault >> 20} MiB by default`);
});
