#!/usr/bin/env node
// Builds the live page (src/ui) into dist/ui: type-checks it for the browser, bundles it and
// its libraries with esbuild into one app.js, and copies the HTML and CSS. Nothing is fetched
// when the page runs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src', 'ui');
const out = join(root, 'dist', 'ui');

const check = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(src, 'tsconfig.json')], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);
mkdirSync(out, { recursive: true });
await build({ entryPoints: [join(src, 'main.ts')], bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, outfile: join(out, 'app.js'), logLevel: 'warning' });
for (const f of ['index.html', 'app.css']) copyFileSync(join(src, f), join(out, f));
