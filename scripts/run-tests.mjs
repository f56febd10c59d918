#!/usr/bin/env node
// Runs the test suite with node's own runner (through tsx, so tests are plain .ts files).
// `node scripts/run-tests.mjs [unit|e2e] [extra files...]`. End-to-end tests start the built
// program (dist/), so the build runs first.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const which = process.argv[2] ?? 'all';
const root = new URL('..', import.meta.url).pathname;

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const all = [...find(join(root, 'src')), ...find(join(root, 'test'))].sort();
const isE2e = (f) => f.includes('/test/e2e/');
const files = which === 'unit' ? all.filter((f) => !isE2e(f)) : which === 'e2e' ? all.filter(isE2e) : all;

// The build, then the checks CI must fail on before any test runs: no test-only code in src/.
for (const step of [['npx', 'tsc', '-p', 'tsconfig.json'], [process.execPath, 'scripts/build-ui.mjs'], [process.execPath, 'scripts/check-test-only.mjs']]) {
  const build = spawnSync(step[0], step.slice(1), { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
