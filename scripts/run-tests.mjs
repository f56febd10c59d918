#!/usr/bin/env node
// Runs the test suite with node's own runner (through tsx, so tests are plain .ts files).
// `node scripts/run-tests.mjs [unit|e2e|all] [FILE...]`: the group's files, or only those named. End-to-end tests start the built program (dist/), so
// the build runs first. The tests themselves are type-checked alongside the run, and a run that
// passes with a type error in a test still fails.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const which = process.argv[2] ?? 'all';
const named = process.argv.slice(3).map((f) => resolve(f));
const root = new URL('..', import.meta.url).pathname;

// Node 20's runner applies --test-timeout to each file as a whole, so a file still running after
// this long has hung and fails. Unit files take seconds to a minute. The slowest e2e files (the
// netns and rootless suites) take about 3 minutes, and the wait for the machine-wide e2e lock
// counts too: on a machine shared with other runs and benchmarks it has taken over 10 minutes.
const UNIT_FILE_TIMEOUT_MS = 10 * 60_000;
const E2E_FILE_TIMEOUT_MS = 30 * 60_000;

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
const inGroup = which === 'unit' ? all.filter((f) => !isE2e(f)) : which === 'e2e' ? all.filter(isE2e) : all;
const files = named.length ? inGroup.filter((f) => named.includes(f)) : inGroup;
if (named.length && files.length !== named.length) {
  console.error(`not a ${which} test file: ${named.filter((f) => !files.includes(f)).join(' ')}`);
  process.exit(2);
}

// The build, then what CI must fail on before any test runs: a wrong-way import, or test-only
// code in src/ (CI runs `npm test`).
const steps = [
  ['npx', 'tsc', '-p', 'tsconfig.json'],
  [process.execPath, 'scripts/build-ui.mjs'],
  [process.execPath, 'scripts/import-graph.mjs', '--check'],
  [process.execPath, 'scripts/check-test-only.mjs'],
];
for (const step of steps) {
  const build = spawnSync(step[0], step.slice(1), { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** Runs a command to its end; resolves with its exit code. */
const run = (cmd, args) =>
  new Promise((resolve) => spawn(cmd, args, { cwd: root, stdio: 'inherit' }).on('close', (code) => resolve(code ?? 1)));

/** The unit files, then the e2e files, each with its own file timeout. */
async function runTests() {
  let failed = 0;
  for (const [group, timeoutMs] of [[files.filter((f) => !isE2e(f)), UNIT_FILE_TIMEOUT_MS], [files.filter(isE2e), E2E_FILE_TIMEOUT_MS]]) {
    if (!group.length) continue;
    const code = await run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeoutMs}`, '--test-reporter=spec', ...group]);
    failed ||= code; // a failed unit run still goes on to the e2e files
  }
  return failed;
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const [typecheck, domTypecheck, tests] = await Promise.all([
  run(process.execPath, [tsc, '-p', 'tsconfig.test.json']),
  run(process.execPath, [tsc, '-p', 'tsconfig.test-dom.json']),
  runTests(),
]);
if (typecheck || domTypecheck) console.error('the tests do not type-check (tsc -p tsconfig.test.json / tsconfig.test-dom.json): see above');
process.exit(tests || typecheck || domTypecheck);
