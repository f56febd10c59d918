#!/usr/bin/env node
// Builds, then runs every benchmark in bench/ (or the ones named) through tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const names = process.argv.slice(2);
const files = readdirSync(`${root}bench`).filter((f) => f.endsWith('.ts') && (!names.length || names.some((n) => f.startsWith(n))));
for (const step of [['npx', 'tsc', '-p', 'tsconfig.json'], [process.execPath, 'scripts/build-ui.mjs']]) {
  const build = spawnSync(step[0], step.slice(1), { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
for (const f of files) {
  console.log(`== bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
